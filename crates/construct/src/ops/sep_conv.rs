//! `SC3` / `SC5` / `SC7`: depthwise-separable convolution (DARTS style, applied twice), and
//! `DC3` / `DC5`: dilated depthwise-separable convolution (dilation 2).

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

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

/// Depthwise-separable convolution: two [`DwPwBn`] stages, the first one strided.
#[derive(Module, Debug)]
pub struct SepConv {
    first: DwPwBn,
    second: DwPwBn,
}

impl SepConv {
    /// A separable `kernel`×`kernel` convolution for `spec`.
    pub fn new(spec: &SlotSpec, kernel: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            first: DwPwBn::new(spec.c_in, spec.c_in, kernel, spec.stride, 1, device)?,
            second: DwPwBn::new(spec.c_in, spec.c_out, kernel, 1, 1, device)?,
        })
    }
}

impl NasModule for SepConv {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.second.forward(self.first.forward(x))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let a = self.first.cost(input);
        let b = self.second.cost(&a.output);
        a.then(b)
    }
}

/// Dilated depthwise-separable convolution (one stage, dilation 2).
#[derive(Module, Debug)]
pub struct DilConv {
    op: DwPwBn,
}

impl DilConv {
    /// A dilated separable `kernel`×`kernel` convolution for `spec`.
    pub fn new(spec: &SlotSpec, kernel: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            op: DwPwBn::new(spec.c_in, spec.c_out, kernel, spec.stride, 2, device)?,
        })
    }
}

impl NasModule for DilConv {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.op.forward(x)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        self.op.cost(input)
    }
}

fn sc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("SC3", SepConv::new(s, 3, d)?))
}
fn sc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("SC5", SepConv::new(s, 5, d)?))
}
fn sc7(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("SC7", SepConv::new(s, 7, d)?))
}
fn dc3(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("DC3", DilConv::new(s, 3, d)?))
}
fn dc5(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("DC5", DilConv::new(s, 5, d)?))
}
register_candidate!("SC3", sc3);
register_candidate!("SC5", sc5);
register_candidate!("SC7", sc7);
register_candidate!("DC3", dc3);
register_candidate!("DC5", dc5);
modnas_param_space::describe_component!(
    "candidate",
    "SC3",
    "separable conv 3×3 (ReLU, dw, pw, BN; twice), DARTS"
);
modnas_param_space::describe_component!(
    "candidate",
    "SC5",
    "separable conv 5×5 (ReLU, dw, pw, BN; twice), DARTS"
);
modnas_param_space::describe_component!(
    "candidate",
    "SC7",
    "separable conv 7×7 (ReLU, dw, pw, BN; twice), DARTS style"
);
modnas_param_space::describe_component!(
    "candidate",
    "DC3",
    "dilated (2) separable conv 3×3, DARTS"
);
modnas_param_space::describe_component!(
    "candidate",
    "DC5",
    "dilated (2) separable conv 5×5, DARTS"
);
