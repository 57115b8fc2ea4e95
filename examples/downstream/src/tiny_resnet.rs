//! `TinyResNet`: a stem convolution, two residual blocks whose bodies are slots, a strided slot
//! that doubles the channels, pooling and a linear head.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use modnas::construct::{model_args, LayerCost, ModelInput};
use modnas::prelude::*;

/// The network; `blocks` are the residual bodies, `down` the strided slot.
#[derive(Module, Debug)]
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
}

impl NasModule for TinyResNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x);
        for block in &self.blocks {
            x = x.clone() + block.forward(x);
        }
        let x = self.down.forward(x);
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }

    fn cost(&self, input: &[usize]) -> Cost {
        // Each field's cost at its input; the residual sums cost no MACs.
        let stem = self.stem.layer_cost(input);
        let blocks = self.blocks.layer_cost(&stem.output);
        let down = self.down.layer_cost(&blocks.output);
        let head = self.head.layer_cost(&down.output); // reads the pooled feature map
        stem.then(blocks).then(down).then(head)
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
