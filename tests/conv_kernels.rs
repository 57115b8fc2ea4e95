//! modnas's depthwise and pointwise convolution kernels (`modnas::construct::kernels`) against
//! Burn's `conv2d` on the default CPU backend; `tests/libtorch.rs` and `tests/wgpu.rs` run the
//! same checks on theirs.

mod common;
use burn::tensor::Device;
use common::device_parity::{
    depthwise_kernels_match_burns_conv2d, pointwise_kernels_match_burns_conv2d,
};

#[test]
fn depthwise_kernels_compute_burns_conv2d_on_the_cpu() {
    depthwise_kernels_match_burns_conv2d(&Device::default());
}

#[test]
fn pointwise_kernels_compute_burns_conv2d_on_the_cpu() {
    pointwise_kernels_match_burns_conv2d(&Device::default());
}
