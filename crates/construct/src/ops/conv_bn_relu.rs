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
//! ```

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Convolution → batch norm → ReLU.
#[derive(Module, Debug)]
pub struct ConvBnRelu {
    conv: ConvLayer,
    bn: BatchNorm,
}

impl ConvBnRelu {
    /// A `kernel`×`kernel` conv-BN-ReLU for `spec`.
    pub fn new(spec: &SlotSpec, kernel: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            conv: ConvLayer::new(spec.c_in, spec.c_out, kernel, spec.stride, 1, 1, device)?,
            bn: batch_norm(spec.c_out, device),
        })
    }

    /// A depthwise `kernel`×`kernel` conv-BN-ReLU for `spec`, which must keep its channels.
    pub fn depthwise(
        spec: &SlotSpec,
        kernel: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
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
    Ok(CandidateBox::new("NC1", ConvBnRelu::new(s, 1, d)?))
}
fn nc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("NC3", ConvBnRelu::new(s, 3, d)?))
}
fn nc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("NC5", ConvBnRelu::new(s, 5, d)?))
}
fn nc7(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("NC7", ConvBnRelu::new(s, 7, d)?))
}
fn dwc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("DWC3", ConvBnRelu::depthwise(s, 3, d)?))
}
register_candidate!("NC1", nc1);
register_candidate!("DWC3", dwc3);
register_candidate!("NC3", nc3);
register_candidate!("NC5", nc5);
register_candidate!("NC7", nc7);
modnas_param_space::describe_component!("candidate", "NC1", "conv 1×1 → BN → ReLU");
modnas_param_space::describe_component!(
    "candidate",
    "DWC3",
    "depthwise conv 3×3 → BN → ReLU (keeps channels)"
);
modnas_param_space::describe_component!("candidate", "NC3", "conv 3×3 → BN → ReLU");
modnas_param_space::describe_component!("candidate", "NC5", "conv 5×5 → BN → ReLU");
modnas_param_space::describe_component!("candidate", "NC7", "conv 7×7 → BN → ReLU");
