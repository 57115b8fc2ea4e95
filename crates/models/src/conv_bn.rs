//! [`ConvBn`]: a fixed (not searched) convolution and its batch norm, for stems, 1×1
//! convolutions and shortcuts of the built-in backbones.

use burn::module::Module;
use burn::nn::BatchNorm;
use burn::tensor::{Device, Tensor};
use modnas_construct::kernels::batch_norm_forward;
use modnas_construct::ops::{batch_norm, ConvLayer};
use modnas_construct::{ConstructError, Cost};

/// A convolution without bias, padded to keep the size at stride 1, then batch norm.
#[derive(Module, Debug)]
pub struct ConvBn {
    conv: ConvLayer,
    bn: BatchNorm,
}

impl ConvBn {
    /// A `kernel`×`kernel` convolution from `c_in` to `c_out` channels with `stride`.
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        stride: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        Ok(Self {
            conv: ConvLayer::new(c_in, c_out, kernel, stride, 1, 1, device)?,
            bn: batch_norm(c_out, device),
        })
    }

    /// Convolution, then batch norm.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm_forward(&self.bn, self.conv.forward(x))
    }

    /// The convolution's cost.
    pub fn cost(&self, input: &[usize]) -> Cost {
        self.conv.cost(input)
    }
}
