//! `DWC3`: depthwise 3×3 convolution → batch norm → ReLU (a level-1 primitive of the
//! hierarchical space of Liu et al. 2018). Each channel is filtered on its own, so the slot
//! must keep its channel count.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, SlotSpec};
//! let device = Device::default();
//! let op = build_candidate("DWC3", &SlotSpec::new(4, 4, 1), &device).unwrap();
//! assert_eq!(op.forward(Tensor::zeros([2, 4, 6, 6], &device)).dims(), [2, 4, 6, 6]);
//! // The weights, then batch norm's γ, β and running statistics.
//! assert_eq!(op.num_params(), 4 * 9 + 4 * 4);
//! assert!(build_candidate("DWC3", &SlotSpec::new(4, 8, 1), &device).is_err());
//! ```

use super::conv_layer::{batch_norm, ConvLayer};
use crate::{register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Depthwise convolution → batch norm → ReLU.
#[derive(Module, Debug)]
pub struct DepthwiseConvBnRelu {
    conv: ConvLayer,
    bn: BatchNorm,
}

impl DepthwiseConvBnRelu {
    /// A depthwise `kernel`×`kernel` conv-BN-ReLU for `spec`, which must keep its channels.
    pub fn new(spec: &SlotSpec, kernel: usize, device: &Device) -> Result<Self, ConstructError> {
        if spec.c_in != spec.c_out {
            return Err(ConstructError::InvalidSpec(format!(
                "a depthwise convolution keeps its channels, but the slot maps {} to {}",
                spec.c_in, spec.c_out
            )));
        }
        let c = spec.c_in;
        Ok(Self {
            conv: ConvLayer::new(c, c, kernel, spec.stride, 1, c, device)?,
            bn: batch_norm(c, device),
        })
    }
}

impl NasModule for DepthwiseConvBnRelu {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.bn.forward(self.conv.forward(x)))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        self.conv.cost(input)
    }
}

fn dwc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "DWC3",
        DepthwiseConvBnRelu::new(s, 3, d)?,
    ))
}
register_candidate!("DWC3", dwc3);
