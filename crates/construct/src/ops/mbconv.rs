//! `MB{k}E{e}`: MobileNetV2 inverted residual block, kernel k ∈ {3, 5, 7}, expansion
//! e ∈ {1, 3, 6}: 1×1 expand → BN → ReLU6 → depthwise k×k → BN → ReLU6 → 1×1 project → BN,
//! with a residual connection when the shape is kept.

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu6;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Inverted residual block.
#[derive(Module, Debug)]
pub struct MBConv {
    expand: Option<(ConvLayer, BatchNorm)>,
    dw: ConvLayer,
    dw_bn: BatchNorm,
    project: ConvLayer,
    project_bn: BatchNorm,
    residual: bool,
}

/// How to build a [`MBConv`]: `MBConvConfig::new(8, 8, 5, 6).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MBConvConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel size.
    pub kernel: usize,
    /// Expansion ratio of the hidden width.
    pub expansion: usize,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
}

impl MBConvConfig {
    /// The layer a slot of `spec` takes.
    pub fn for_spec(spec: &SlotSpec, kernel: usize, expansion: usize) -> Self {
        Self::new(spec.c_in, spec.c_out, kernel, expansion).with_stride(spec.stride)
    }

    /// The block, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<MBConv, ConstructError> {
        let (c_in, c_out, stride) = (self.c_in, self.c_out, self.stride);
        let hidden = c_in * self.expansion;
        let expand = (self.expansion != 1)
            .then(|| -> Result<_, ConstructError> {
                Ok((
                    ConvLayer::new(c_in, hidden, 1, 1, 1, 1, device)?,
                    batch_norm(hidden, device),
                ))
            })
            .transpose()?;
        Ok(MBConv {
            expand,
            dw: ConvLayer::new(hidden, hidden, self.kernel, stride, 1, hidden, device)?,
            dw_bn: batch_norm(hidden, device),
            project: ConvLayer::new(hidden, c_out, 1, 1, 1, 1, device)?,
            project_bn: batch_norm(c_out, device),
            residual: stride == 1 && c_in == c_out,
        })
    }
}

impl NasModule for MBConv {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = match &self.expand {
            Some((conv, bn)) => relu6(batch_norm_forward(bn, conv.forward(x.clone()))),
            None => x.clone(),
        };
        let h = relu6(batch_norm_forward(&self.dw_bn, self.dw.forward(h)));
        let y = batch_norm_forward(&self.project_bn, self.project.forward(h));
        if self.residual {
            y + x
        } else {
            y
        }
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let start = match &self.expand {
            Some((conv, _)) => conv.cost(input),
            None => Cost::new(0, input.to_vec()),
        };
        let dw = self.dw.cost(&start.output);
        let project = self.project.cost(&dw.output);
        start.then(dw).then(project)
    }
}

macro_rules! mbconv_candidates {
    ($($fn_name:ident = $id:literal ($k:literal, $e:literal);)*) => {$(
        fn $fn_name(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
            Ok(CandidateBox::new($id, MBConvConfig::for_spec(s, $k, $e).init(d)?))
        }
        register_candidate!(
            #[doc = concat!("MobileNetV2 inverted residual, kernel ", $k, ", expansion ", $e)]
            $id, $fn_name
        );
    )*};
}

mbconv_candidates! {
    mb3e1 = "MB3E1" (3, 1); mb3e3 = "MB3E3" (3, 3); mb3e6 = "MB3E6" (3, 6);
    mb5e1 = "MB5E1" (5, 1); mb5e3 = "MB5E3" (5, 3); mb5e6 = "MB5E6" (5, 6);
    mb7e1 = "MB7E1" (7, 1); mb7e3 = "MB7E3" (7, 3); mb7e6 = "MB7E6" (7, 6);
}
