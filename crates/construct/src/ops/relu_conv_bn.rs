//! `RCB1` / `RCB3`: ReLU → convolution → batch norm (the "nor_conv" ops of NAS-Bench-201 and
//! the input preprocessing of DARTS cells).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, SlotSpec};
//! let device = Device::default();
//! let op = build_candidate("RCB3", &SlotSpec::new(4, 8, 2), &device).unwrap();
//! assert_eq!(op.forward(Tensor::zeros([1, 4, 8, 8], &device)).dims(), [1, 8, 4, 4]);
//! ```

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// ReLU → `kernel`×`kernel` convolution → batch norm.
#[derive(Module, Debug)]
pub struct ReluConvBn {
    conv: ConvLayer,
    bn: BatchNorm,
}

/// How to build a [`ReluConvBn`]: `ReluConvBnConfig::new(4, 8, 3).with_stride(2).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReluConvBnConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel size.
    pub kernel: usize,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
}

impl ReluConvBnConfig {
    /// The layer, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<ReluConvBn, ConstructError> {
        Ok(ReluConvBn {
            conv: ConvLayer::new(
                self.c_in,
                self.c_out,
                self.kernel,
                self.stride,
                1,
                1,
                device,
            )?,
            bn: batch_norm(self.c_out, device),
        })
    }
}

impl NasModule for ReluConvBn {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm_forward(&self.bn, self.conv.forward(relu(x)))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        self.conv.cost(input)
    }
}

fn rcb(spec: &SlotSpec, kernel: usize, device: &Device) -> Result<CandidateBox, ConstructError> {
    let op = ReluConvBnConfig::new(spec.c_in, spec.c_out, kernel)
        .with_stride(spec.stride)
        .init(device)?;
    Ok(CandidateBox::new("RCB", op))
}

fn rcb1(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    rcb(s, 1, d)
}
fn rcb3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    rcb(s, 3, d)
}
register_candidate!(
    /// ReLU → conv 1×1 → BN (NB201 nor_conv_1x1)
    "RCB1", rcb1
);
register_candidate!(
    /// ReLU → conv 3×3 → BN (NB201 nor_conv_3x3)
    "RCB3", rcb3
);
