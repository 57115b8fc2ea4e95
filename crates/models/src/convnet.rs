//! `ConvNet`: a small image classifier whose convolutions are [`Slot`]s (paper, Figure 7–8).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::ConvNetConfig;
//! let device = Device::default();
//! let net = ConvNetConfig::new(1, 10)
//!     .with_channels(vec![8, 16])
//!     .with_strides(vec![1, 2])
//!     .init(&device)
//!     .unwrap();
//! let c = construct(net, &CandidateSets::uniform(["NC3", "NC5"]), &device).unwrap();
//! let logits = NasModule::forward(&c.model, Tensor::zeros([2, 1, 8, 8], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```

use super::head::{bad_args, check_io, pool_classify, with_head_cost};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use modnas_construct::nas_config;
use modnas_construct::{ConstructError, Cost, NasModule, Slot};
use serde::{Deserialize, Serialize};

/// Slots in sequence (one per entry of `channels`), global average pooling, a linear head.
#[derive(Module, Debug)]
pub struct ConvNet {
    /// The searchable convolutions.
    pub convs: Vec<Slot>,
    /// Classifier.
    pub head: Linear,
}

impl ConvNet {
    /// A net for `c_in`-channel images and `classes` classes; slot `i` maps to `channels[i]`
    /// channels with `strides[i]`.
    pub(crate) fn new(
        c_in: usize,
        classes: usize,
        channels: &[usize],
        strides: &[usize],
        device: &Device,
    ) -> Self {
        let mut convs = Vec::with_capacity(channels.len());
        let mut c = c_in;
        for (&c_out, &stride) in channels.iter().zip(strides) {
            convs.push(Slot::new(c, c_out, stride));
            c = c_out;
        }
        Self {
            convs,
            head: LinearConfig::new(c, classes).init(device),
        }
    }
}

impl NasModule for ConvNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.convs.iter().fold(x, |x, slot| slot.forward(x));
        pool_classify(x, &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        with_head_cost(Slot::chain_cost(&self.convs, input), &self.head)
    }
}

/// How to build a [`ConvNet`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvNetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// Output channels of each slot.
    #[config(default = vec![16, 32, 32])]
    pub channels: Vec<usize>,
    /// Stride of each slot (1 or 2).
    #[config(default = vec![1, 2, 1])]
    pub strides: Vec<usize>,
}

impl ConvNetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<ConvNet, ConstructError> {
        let bad = |reason: String| bad_args("ConvNet", reason);
        if self.channels.is_empty() || self.channels.len() != self.strides.len() {
            return Err(bad(format!(
                "`channels` ({} entries) and `strides` ({} entries) must be non-empty and of equal length",
                self.channels.len(),
                self.strides.len()
            )));
        }
        if self.channels.contains(&0) || self.strides.iter().any(|s| !(1..=2).contains(s)) {
            return Err(bad("channels must be positive and strides 1 or 2".into()));
        }
        check_io("ConvNet", self.c_in, self.classes)?;
        Ok(ConvNet::new(
            self.c_in,
            self.classes,
            &self.channels,
            &self.strides,
            device,
        ))
    }
}

crate::builtin_model::register_builtin_model!(
    /// a chain of slots (one per entry of `channels`), pooling and a linear head
    "ConvNet", ConvNetConfig { c_in: channels, classes: classes }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &str) -> Result<ConvNetConfig, ConstructError> {
        let t: toml::Table = toml::from_str(args).unwrap();
        modnas_construct::model_args("ConvNet", &t)
    }

    #[test]
    fn toml_args_fill_the_config_and_defaults_fill_the_rest() {
        let config = parse("channels = [8, 16]\nstrides = [1, 2]").unwrap();
        assert_eq!(
            config,
            ConvNetConfig::new(0, 0)
                .with_channels(vec![8, 16])
                .with_strides(vec![1, 2])
        );
        let defaults = parse("").unwrap();
        assert_eq!(defaults, ConvNetConfig::new(0, 0));
        assert_eq!(defaults.channels, [16, 32, 32]);
        // What the data decides is not an argument.
        for (args, key) in [("chanels = [8]", "chanels"), ("classes = 3", "classes")] {
            let e = parse(args).unwrap_err().to_string();
            assert!(e.contains("ConvNet") && e.contains(key), "{args}: {e}");
        }
    }

    #[test]
    fn init_refuses_settings_that_make_no_net() {
        let device = Device::default();
        let ok = ConvNetConfig::new(1, 3)
            .with_channels(vec![4])
            .with_strides(vec![1]);
        assert!(ok.init(&device).is_ok());
        for (bad, expect) in [
            (ok.clone().with_strides(vec![1, 2]), "equal length"),
            (ok.clone().with_strides(vec![3]), "strides 1 or 2"),
            (
                ConvNetConfig {
                    classes: 0,
                    ..ok.clone()
                },
                "`classes` = 0",
            ),
        ] {
            let e = bad.init(&device).unwrap_err().to_string();
            assert!(e.contains(expect), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_config_survives_a_round_trip_through_toml() {
        let config = ConvNetConfig::new(1, 3)
            .with_channels(vec![4, 4])
            .with_strides(vec![2, 1]);
        let text = toml::to_string(&config).unwrap();
        assert!(!text.contains("c_in"), "the data's fields stay out: {text}");
        let back = parse(&text).unwrap();
        assert_eq!(
            back,
            ConvNetConfig {
                c_in: 0,
                classes: 0,
                ..config
            }
        );
    }
}
