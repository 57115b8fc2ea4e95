//! Building blocks shared by the built-in candidates: a convolution that knows its cost,
//! and batch normalization.

use crate::kernels::{depthwise_conv2d, pointwise_conv2d};
use crate::{ConstructError, Cost};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor};

/// Output spatial size of a convolution or pooling window with "same"-style padding.
pub fn out_size(size: usize, kernel: usize, stride: usize, dilation: usize) -> usize {
    let pad = dilation * (kernel - 1) / 2;
    (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
}

/// A 2-D convolution without bias, padded to keep the size at stride 1, with its hyper-parameters
/// kept so the cost can be computed analytically.
#[derive(Module, Debug)]
pub struct ConvLayer {
    conv: Conv2d,
    c_in: usize,
    c_out: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    groups: usize,
}

impl ConvLayer {
    /// A `kernel`×`kernel` convolution; `groups == c_in` gives a depthwise convolution.
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        groups: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        if c_in == 0 || c_out == 0 || stride == 0 || groups == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "convolution needs positive sizes, got c_in={c_in} c_out={c_out} stride={stride} groups={groups}"
            )));
        }
        if !c_in.is_multiple_of(groups) || !c_out.is_multiple_of(groups) {
            return Err(ConstructError::InvalidSpec(format!(
                "channels {c_in}→{c_out} are not divisible by {groups} groups"
            )));
        }
        let pad = dilation * (kernel - 1) / 2;
        let conv = Conv2dConfig::new([c_in, c_out], [kernel, kernel])
            .with_stride([stride, stride])
            .with_dilation([dilation, dilation])
            .with_groups(groups)
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .with_bias(false)
            .init(device);
        Ok(Self {
            conv,
            c_in,
            c_out,
            kernel,
            stride,
            dilation,
            groups,
        })
    }

    /// Forward pass; a depthwise layer goes through [`depthwise_conv2d`] and a 1×1 layer at
    /// stride 1 through [`pointwise_conv2d`], whose kernels are direct on the CPU.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        if self.kernel == 1 && self.stride == 1 && self.groups == 1 {
            pointwise_conv2d(x, self.weight())
        } else if self.groups > 1 && self.groups == self.c_in && self.groups == self.c_out {
            let pad = self.dilation * (self.kernel - 1) / 2;
            let options =
                ConvOptions::new([self.stride; 2], [pad; 2], [self.dilation; 2], self.groups);
            depthwise_conv2d(x, self.weight(), options)
        } else {
            self.conv.forward(x)
        }
    }

    /// The weight, `[c_out, c_in / groups, kernel, kernel]`.
    pub fn weight(&self) -> Tensor<4> {
        self.conv.weight.val()
    }

    /// MACs: `c_out · c_in/groups · k² · H_out · W_out`; memory: the input, the weights and
    /// the output.
    pub fn cost(&self, input: &[usize]) -> Cost {
        let (n, h, w) = (input[0], input[2], input[3]);
        let ho = out_size(h, self.kernel, self.stride, self.dilation);
        let wo = out_size(w, self.kernel, self.stride, self.dilation);
        let weights = self.c_out * (self.c_in / self.groups) * self.kernel * self.kernel;
        let macs = (n * weights * ho * wo) as u64;
        let mem = crate::f32_bytes(n * self.c_in * h * w + weights + n * self.c_out * ho * wo);
        Cost::new(macs, vec![n, self.c_out, ho, wo]).with_mem(mem)
    }
}

/// Batch normalization over `c` channels.
pub fn batch_norm(c: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(c).init(device)
}
