//! `TinyResNet`: a stem convolution, two residual blocks whose bodies are slots, a strided slot
//! that doubles the channels, pooling and a linear head.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use modnas::construct::{model_args, ModelInput};
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

/// Arguments of `TinyResNet`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TinyResNetArgs {
    /// Channels after the stem.
    #[serde(default = "default_width")]
    width: usize,
}

fn default_width() -> usize {
    8
}

fn build(
    args: &modnas::toml::Table,
    input: &ModelInput,
    device: &Device,
) -> Result<NetBox, ConstructError> {
    let a: TinyResNetArgs = model_args("TinyResNet", args)?;
    Ok(NetBox::new("", TinyResNet::new(input, a.width, device)))
}
register_model!("TinyResNet", build);
describe_component!(
    "model",
    "TinyResNet",
    "two residual slots and a strided one"
);
