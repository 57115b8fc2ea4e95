//! `ConvNet`: a small image classifier whose convolutions are [`Slot`]s (paper, Figure 7–8).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::ConvNet;
//! let device = Device::default();
//! let net = ConvNet::new(1, 10, &[8, 16], &[1, 2], &device);
//! let c = construct(net, &CandidateSets::uniform(["NC3", "NC5"]), &device).unwrap();
//! let logits = NasModule::forward(&c.model, Tensor::zeros([2, 1, 8, 8], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```

use super::head::{bad_args, parse_model_args, pool_classify, with_head_cost};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use modnas_construct::{register_model, ConstructError, Cost, ModelInput, NasModule, NetBox, Slot};
use serde::Deserialize;

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
    pub fn new(
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

/// Arguments of the `ConvNet` model.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConvNetArgs {
    /// Output channels of each slot.
    #[serde(default = "default_channels")]
    channels: Vec<usize>,
    /// Stride of each slot.
    #[serde(default = "default_strides")]
    strides: Vec<usize>,
}

fn default_channels() -> Vec<usize> {
    vec![16, 32, 32]
}
fn default_strides() -> Vec<usize> {
    vec![1, 2, 1]
}

fn build(
    args: &toml::Table,
    input: &ModelInput,
    device: &Device,
) -> Result<NetBox, ConstructError> {
    let bad = |reason: String| bad_args("ConvNet", reason);
    let a: ConvNetArgs = parse_model_args("ConvNet", args)?;
    if a.channels.is_empty() || a.channels.len() != a.strides.len() {
        return Err(bad(format!(
            "`channels` ({} entries) and `strides` ({} entries) must be non-empty and of equal length",
            a.channels.len(),
            a.strides.len()
        )));
    }
    if a.channels.contains(&0) || a.strides.iter().any(|s| !(1..=2).contains(s)) {
        return Err(bad("channels must be positive and strides 1 or 2".into()));
    }
    Ok(NetBox::new(
        "",
        ConvNet::new(
            input.channels,
            input.classes,
            &a.channels,
            &a.strides,
            device,
        ),
    ))
}
register_model!("ConvNet", build);
modnas_param_space::describe_component!(
    "model",
    "ConvNet",
    "a chain of slots (one per entry of `channels`), pooling and a linear head",
    ConvNetArgs
);
