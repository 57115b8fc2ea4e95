//! `SEConv`: a 3×3 convolution, batch norm and ReLU, then squeeze-and-excitation (Hu et al.,
//! 2018): each channel scaled by a gate computed from the pooled channels.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use modnas::prelude::*;

/// The candidate. The gate reads the block's output beside the main path, so its two layers
/// are a side branch of the derived cost.
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<4>)]
pub struct SEConv {
    conv: Conv2d,
    bn: BatchNorm,
    #[nas_module(branch)]
    squeeze: Linear,
    #[nas_module(branch)]
    excite: Linear,
}

impl SEConv {
    /// A block for `spec`, its gate squeezing the channels 4×.
    pub fn new(spec: &SlotSpec, device: &Device) -> Self {
        let hidden = (spec.c_out / 4).max(1);
        Self {
            conv: Conv2dConfig::new([spec.c_in, spec.c_out], [3, 3])
                .with_stride([spec.stride, spec.stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            bn: BatchNormConfig::new(spec.c_out).init(device),
            squeeze: LinearConfig::new(spec.c_out, hidden).init(device),
            excite: LinearConfig::new(hidden, spec.c_out).init(device),
        }
    }

    /// Convolution, batch norm and ReLU, each channel then scaled by its gate.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(self.bn.forward(self.conv.forward(x)));
        let [n, c, _, _] = x.dims();
        let pooled = x.clone().mean_dim(3).mean_dim(2).reshape([n, c]);
        let gate = sigmoid(self.excite.forward(relu(self.squeeze.forward(pooled))));
        x * gate.reshape([n, c, 1, 1])
    }
}

fn build(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("SEConv", SEConv::new(spec, device)))
}
register_candidate!(
    /// 3×3 conv, BN, ReLU and a squeeze-and-excitation gate
    "SEConv", build
);
