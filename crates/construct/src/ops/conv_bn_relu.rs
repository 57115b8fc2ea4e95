//! `NC1` / `NC3` / `NC5` / `NC7`: convolution → batch norm → ReLU, and `DWC3`: the same with a
//! depthwise 3×3 convolution (a level-1 primitive of the hierarchical space of Liu et al.
//! 2018), which filters each channel on its own and so keeps the slot's channel count.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, SlotSpec};
//! let device = Device::default();
//! let op = build_candidate("NC5", &SlotSpec::new(4, 8, 2), &device).unwrap();
//! let y = op.forward(Tensor::zeros([2, 4, 8, 8], &device));
//! assert_eq!(y.dims(), [2, 8, 4, 4]);
//! let dw = build_candidate("DWC3", &SlotSpec::new(4, 4, 1), &device).unwrap();
//! // The weights, then batch norm's γ, β and running statistics.
//! assert_eq!(burn::module::Module::num_params(&dw), 4 * 9 + 4 * 4);
//! assert!(build_candidate("DWC3", &SlotSpec::new(4, 8, 1), &device).is_err());
//! // The NC5 above, built in code the Burn way.
//! use modnas_construct::ops::ConvBnReluConfig;
//! let nc5 = ConvBnReluConfig::new(4, 8, 5).with_stride(2).init(&device).unwrap();
//! assert_eq!(burn::module::Module::num_params(&nc5), burn::module::Module::num_params(&op));
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

/// Convolution → batch norm → ReLU.
#[derive(Module, Debug)]
pub struct ConvBnRelu {
    conv: ConvLayer,
    bn: BatchNorm,
}

/// How to build a [`ConvBnRelu`]:
/// `ConvBnReluConfig::new(4, 8, 3).with_stride(2).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvBnReluConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels (equal to `c_in` when depthwise).
    pub c_out: usize,
    /// Kernel size.
    pub kernel: usize,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
    /// One filter per channel, which keeps the channel count.
    #[config(default = false)]
    pub depthwise: bool,
}

impl ConvBnReluConfig {
    /// The `kernel`×`kernel` layer a slot of `spec` takes.
    pub fn for_spec(spec: &SlotSpec, kernel: usize) -> Self {
        Self::new(spec.c_in, spec.c_out, kernel).with_stride(spec.stride)
    }

    /// The layer, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<ConvBnRelu, ConstructError> {
        let groups = if self.depthwise {
            if self.c_in != self.c_out {
                return Err(ConstructError::InvalidSpec(format!(
                    "a depthwise convolution keeps its channels, but the slot maps {} to {}",
                    self.c_in, self.c_out
                )));
            }
            self.c_in
        } else {
            1
        };
        Ok(ConvBnRelu {
            conv: ConvLayer::new(
                self.c_in,
                self.c_out,
                self.kernel,
                self.stride,
                1,
                groups,
                device,
            )?,
            bn: batch_norm(self.c_out, device),
        })
    }
}

impl NasModule for ConvBnRelu {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(batch_norm_forward(&self.bn, self.conv.forward(x)))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        self.conv.cost(input)
    }
}

fn nc1(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "NC1",
        ConvBnReluConfig::for_spec(s, 1).init(d)?,
    ))
}
fn nc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "NC3",
        ConvBnReluConfig::for_spec(s, 3).init(d)?,
    ))
}
fn nc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "NC5",
        ConvBnReluConfig::for_spec(s, 5).init(d)?,
    ))
}
fn nc7(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "NC7",
        ConvBnReluConfig::for_spec(s, 7).init(d)?,
    ))
}
fn dwc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "DWC3",
        ConvBnReluConfig::for_spec(s, 3)
            .with_depthwise(true)
            .init(d)?,
    ))
}
register_candidate!(
    /// conv 1×1 → BN → ReLU
    "NC1", nc1
);
register_candidate!(
    /// depthwise conv 3×3 → BN → ReLU (keeps channels)
    "DWC3", dwc3
);
register_candidate!(
    /// conv 3×3 → BN → ReLU
    "NC3", nc3
);
register_candidate!(
    /// conv 5×5 → BN → ReLU
    "NC5", nc5
);
register_candidate!(
    /// conv 7×7 → BN → ReLU
    "NC7", nc7
);
