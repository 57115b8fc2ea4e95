//! `IDT`: skip connection. Identity when the shape is kept; a factorized reduce (two
//! offset 1×1 stride-2 convolutions, concatenated) at stride 2; a 1×1 conv-BN when only the
//! channel count changes.

use super::conv_layer::{batch_norm, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// ReLU → two 1×1 stride-2 convolutions (the second on the input shifted by one pixel) →
/// concatenation → batch norm. Halves the spatial size without losing odd pixels.
#[derive(Module, Debug)]
pub struct FactorizedReduce {
    a: ConvLayer,
    b: ConvLayer,
    bn: BatchNorm,
}

impl FactorizedReduce {
    /// Reduces `c_in` channels to `c_out` (which must be even) at stride 2.
    pub fn new(c_in: usize, c_out: usize, device: &Device) -> Result<Self, ConstructError> {
        if !c_out.is_multiple_of(2) {
            return Err(ConstructError::InvalidSpec(format!(
                "factorized reduce needs an even output channel count, got {c_out}"
            )));
        }
        Ok(Self {
            a: ConvLayer::new(c_in, c_out / 2, 1, 2, 1, 1, device)?,
            b: ConvLayer::new(c_in, c_out / 2, 1, 2, 1, 1, device)?,
            bn: batch_norm(c_out, device),
        })
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(x);
        let [_, _, h, w] = x.dims();
        // Shift by one pixel; pad bottom/right so both branches have the same output size.
        let shifted = x.clone().pad((0, 1, 0, 1), PadMode::Constant(0.0)).slice([
            0..x.dims()[0],
            0..x.dims()[1],
            1..h + 1,
            1..w + 1,
        ]);
        let y = Tensor::cat(vec![self.a.forward(x), self.b.forward(shifted)], 1);
        batch_norm_forward(&self.bn, y)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let a = self.a.cost(input);
        let b = self.b.cost(input);
        let mut output = a.output.clone();
        output[1] *= 2;
        Cost::merge([a, b], output)
    }
}

/// The `IDT` candidate: identity when the shape is kept, otherwise a reduce or a projection.
#[derive(Module, Debug)]
pub struct Skip {
    /// Stride 2: factorized reduce.
    reduce: Option<FactorizedReduce>,
    /// Stride 1, other channel count: 1×1 conv → BN.
    project: Option<(ConvLayer, BatchNorm)>,
}

/// How to build a [`Skip`]: `SkipConfig::new(4, 8).with_stride(2).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Stride, 1 or 2.
    #[config(default = 1)]
    pub stride: usize,
}

impl SkipConfig {
    /// The skip connection a slot of `spec` takes.
    pub fn for_spec(spec: &SlotSpec) -> Self {
        Self::new(spec.c_in, spec.c_out).with_stride(spec.stride)
    }

    /// The skip connection, or why this stride makes none.
    pub fn init(&self, device: &Device) -> Result<Skip, ConstructError> {
        let Self {
            c_in,
            c_out,
            stride,
        } = *self;
        let (reduce, project) = match (stride, c_in == c_out) {
            (1, true) => (None, None),
            (1, false) => (
                None,
                Some((
                    ConvLayer::new(c_in, c_out, 1, 1, 1, 1, device)?,
                    batch_norm(c_out, device),
                )),
            ),
            (2, _) => (Some(FactorizedReduce::new(c_in, c_out, device)?), None),
            (s, _) => {
                return Err(ConstructError::InvalidSpec(format!(
                    "IDT supports stride 1 or 2, got {s}"
                )))
            }
        };
        Ok(Skip { reduce, project })
    }
}

impl NasModule for Skip {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match (&self.reduce, &self.project) {
            (Some(r), _) => r.forward(x),
            (None, Some((conv, bn))) => batch_norm_forward(bn, conv.forward(x)),
            (None, None) => x,
        }
    }
    fn cost(&self, input: &[usize]) -> Cost {
        match (&self.reduce, &self.project) {
            (Some(r), _) => r.cost(input),
            (None, Some((conv, _))) => conv.cost(input),
            (None, None) => Cost::new(0, input.to_vec()),
        }
    }
}

fn idt(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("IDT", SkipConfig::for_spec(s).init(d)?))
}
register_candidate!(
    /// identity; factorized reduce at stride 2, 1×1 conv-BN where only channels change
    "IDT", idt
);
crate::candidate_serves!("IDT", [Image, Dense, Sequence]);
