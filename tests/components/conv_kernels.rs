//! modnas's depthwise and pointwise convolution kernels (`modnas::kernels`) against
//! Burn's `conv2d` on the default CPU backend; `tests/backends/libtorch.rs` and `tests/backends/wgpu.rs` run the
//! same checks on theirs.

use crate::common::device_parity::{
    depthwise_kernels_match_burns_conv2d, pointwise_kernels_match_burns_conv2d,
};
use burn::tensor::Device;

#[test]
fn depthwise_kernels_compute_burns_conv2d_on_the_cpu() {
    depthwise_kernels_match_burns_conv2d(&Device::default());
}

#[test]
fn pointwise_kernels_compute_burns_conv2d_on_the_cpu() {
    pointwise_kernels_match_burns_conv2d(&Device::default());
}
