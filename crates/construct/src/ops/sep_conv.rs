//! `SC3` / `SC5` / `SC7`: depthwise-separable convolution (DARTS style, applied twice), and
//! `DC3` / `DC5`: dilated depthwise-separable convolution (dilation 2).

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, LayerCost, SlotSpec,
};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use modnas_derive::NasModule;
use serde::{Deserialize, Serialize};

/// ReLU → depthwise k×k (dilated) → pointwise 1×1 → batch norm.
#[derive(Module, Debug)]
pub struct DwPwBn {
    dw: ConvLayer,
    pw: ConvLayer,
    bn: BatchNorm,
}

impl DwPwBn {
    fn new(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        Ok(Self {
            dw: ConvLayer::new(c_in, c_in, kernel, stride, dilation, c_in, device)?,
            pw: ConvLayer::new(c_in, c_out, 1, 1, 1, 1, device)?,
            bn: batch_norm(c_out, device),
        })
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm_forward(&self.bn, self.pw.forward(self.dw.forward(relu(x))))
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let dw = self.dw.cost(input);
        let pw = self.pw.cost(&dw.output);
        dw.then(pw)
    }
}

impl LayerCost for DwPwBn {
    /// The two convolutions' cost (the batch norm is folded into them at inference).
    fn layer_cost(&self, input: &[usize]) -> Cost {
        self.cost(input)
    }
}

/// Depthwise-separable convolution: two [`DwPwBn`] stages, the first one strided.
#[derive(Module, Debug, NasModule)]
#[nas_module(crate = modnas_construct, input = Tensor<4>, output = Tensor<4>)]
pub struct SepConv {
    first: DwPwBn,
    second: DwPwBn,
}

impl SepConv {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.second.forward(self.first.forward(x))
    }
}

/// How to build a [`SepConv`]: `SepConvConfig::new(4, 8, 3).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SepConvConfig {
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

impl SepConvConfig {
    /// The layer a slot of `spec` takes.
    pub fn for_spec(spec: &SlotSpec, kernel: usize) -> Self {
        Self::new(spec.c_in, spec.c_out, kernel).with_stride(spec.stride)
    }

    /// The layer, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<SepConv, ConstructError> {
        let (c_in, k) = (self.c_in, self.kernel);
        Ok(SepConv {
            first: DwPwBn::new(c_in, c_in, k, self.stride, 1, device)?,
            second: DwPwBn::new(c_in, self.c_out, k, 1, 1, device)?,
        })
    }
}

/// Dilated depthwise-separable convolution (one stage, dilation 2).
#[derive(Module, Debug, NasModule)]
#[nas_module(crate = modnas_construct, input = Tensor<4>, output = Tensor<4>)]
pub struct DilConv {
    op: DwPwBn,
}

impl DilConv {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.op.forward(x)
    }
}

/// How to build a [`DilConv`]: `DilConvConfig::new(4, 8, 3).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DilConvConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel size.
    pub kernel: usize,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
    /// Dilation of the depthwise convolution.
    #[config(default = 2)]
    pub dilation: usize,
}

impl DilConvConfig {
    /// The layer a slot of `spec` takes.
    pub fn for_spec(spec: &SlotSpec, kernel: usize) -> Self {
        Self::new(spec.c_in, spec.c_out, kernel).with_stride(spec.stride)
    }

    /// The layer, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<DilConv, ConstructError> {
        Ok(DilConv {
            op: DwPwBn::new(
                self.c_in,
                self.c_out,
                self.kernel,
                self.stride,
                self.dilation,
                device,
            )?,
        })
    }
}

fn sc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "SC3",
        SepConvConfig::for_spec(s, 3).init(d)?,
    ))
}
fn sc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "SC5",
        SepConvConfig::for_spec(s, 5).init(d)?,
    ))
}
fn sc7(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "SC7",
        SepConvConfig::for_spec(s, 7).init(d)?,
    ))
}
fn dc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "DC3",
        DilConvConfig::for_spec(s, 3).init(d)?,
    ))
}
fn dc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "DC5",
        DilConvConfig::for_spec(s, 5).init(d)?,
    ))
}
register_candidate!(
    /// separable conv 3×3 (ReLU, dw, pw, BN; twice), DARTS
    "SC3", sc3
);
register_candidate!(
    /// separable conv 5×5 (ReLU, dw, pw, BN; twice), DARTS
    "SC5", sc5
);
register_candidate!(
    /// separable conv 7×7 (ReLU, dw, pw, BN; twice), DARTS style
    "SC7", sc7
);
register_candidate!(
    /// dilated (2) separable conv 3×3, DARTS
    "DC3", dc3
);
register_candidate!(
    /// dilated (2) separable conv 5×5, DARTS
    "DC5", dc5
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NasModule;

    #[test]
    fn the_derived_cost_chains_the_stages_and_the_forward_keeps_its_shape() {
        let device = Device::default();
        let sep = SepConvConfig::new(4, 8, 3)
            .with_stride(2)
            .init(&device)
            .unwrap();
        let input = [2, 4, 8, 8];
        let first = sep.first.cost(&input);
        let chained = first.clone().then(sep.second.cost(&first.output));
        assert_eq!(NasModule::cost(&sep, &input), chained);
        assert_eq!(chained.output, [2, 8, 4, 4]);
        let y = NasModule::forward(&sep, Tensor::zeros(input, &device));
        assert_eq!(y.dims(), [2, 8, 4, 4]);

        let dil = DilConvConfig::new(4, 4, 3).init(&device).unwrap();
        assert_eq!(NasModule::cost(&dil, &input), dil.op.cost(&input));
        assert_eq!(
            NasModule::forward(&dil, Tensor::zeros(input, &device)).dims(),
            input
        );
    }
}
