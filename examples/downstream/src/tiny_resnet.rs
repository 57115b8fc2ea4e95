//! `TinyResNet`: a stem convolution, two residual blocks whose bodies are slots, a strided slot
//! that doubles the channels, pooling and a linear head.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use modnas::construct::ModelInput;
use modnas::prelude::*;

/// The network; `blocks` are the residual bodies, `down` the strided slot. Its fields run in
/// declaration order, so `#[derive(NasModule)]` counts its cost.
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<2>)]
pub struct TinyResNet {
    stem: Conv2d,
    blocks: Vec<Slot>,
    down: Slot,
    head: Linear,
}

impl TinyResNet {
    /// A network for `input`, `width` channels after the stem.
    pub fn new(input: &ModelInput, width: usize, device: &Device) -> Self {
        Self {
            stem: Conv2dConfig::new([input.channels, width], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device),
            blocks: vec![Slot::new(width, width, 1), Slot::new(width, width, 1)],
            down: Slot::new(width, 2 * width, 2),
            head: LinearConfig::new(2 * width, input.classes).init(device),
        }
    }

    /// Stem, residual blocks, the strided slot, global pooling and the head.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x);
        for block in &self.blocks {
            x = x.clone() + block.forward(x);
        }
        let x = self.down.forward(x);
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }
}

/// How to build a `TinyResNet`: `TinyResNetConfig::new().with_width(16).init(&input, &device)`
/// in code, `[model] args = { width = 16 }` in a config.
#[nas_config]
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, modnas::schemars::JsonSchema)]
#[schemars(crate = "modnas::schemars")]
#[serde(deny_unknown_fields)]
pub struct TinyResNetConfig {
    /// Channels after the stem.
    #[config(default = 8)]
    pub width: usize,
}

impl TinyResNetConfig {
    /// The network for `input`.
    pub fn init(&self, input: &ModelInput, device: &Device) -> TinyResNet {
        TinyResNet::new(input, self.width, device)
    }
}

register_model!(
    /// two residual slots and a strided one
    "TinyResNet", |config: TinyResNetConfig, input, device| {
        Ok(NetBox::new("", config.init(input, device)))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas::models::{DARTSNetConfig, DARTS_OPS};

    const INPUT: ModelInput = ModelInput {
        channels: 3,
        height: 8,
        width: 8,
        classes: 10,
    };

    #[test]
    fn the_toml_args_and_the_builder_make_the_same_config() {
        let args: modnas::toml::Table = modnas::toml::from_str("width = 4").unwrap();
        let parsed: TinyResNetConfig = modnas::construct::model_args("TinyResNet", &args).unwrap();
        assert_eq!(parsed.width, TinyResNetConfig::new().with_width(4).width);
        assert_eq!(TinyResNetConfig::new().width, 8);
        let typo: modnas::toml::Table = modnas::toml::from_str("widht = 4").unwrap();
        let e = modnas::construct::model_args::<TinyResNetConfig>("TinyResNet", &typo).unwrap_err();
        assert!(e.to_string().contains("widht"), "{e}");
    }

    #[test]
    fn a_built_in_model_is_built_the_burn_way() {
        let device = Device::default();
        let net = DARTSNetConfig::new(INPUT.channels, INPUT.classes)
            .with_channels(4)
            .with_layers(3)
            .with_nodes(2)
            .init(&device)
            .unwrap();
        let c = construct(
            net,
            &CandidateSets::mixed("DARTSMixedOp", DARTS_OPS),
            &device,
        )
        .unwrap();
        assert_eq!(
            c.space.len(),
            10,
            "5 edges in the normal and the reduction cell"
        );
        let y = NasModule::forward(&c.model, Tensor::zeros([2, 3, 8, 8], &device));
        assert_eq!(y.dims(), [2, 10]);
    }
}
