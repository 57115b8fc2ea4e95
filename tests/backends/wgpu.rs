//! The GPU path, on wgpu: the same model code and configs as on the CPU. Built only with the
//! `wgpu` feature; CI runs it on the CPU through Mesa's lavapipe (`.ci/run`), the GPU machine
//! through Vulkan on the card.
//!
//! ```sh
//! XDG_RUNTIME_DIR=/tmp cargo test -p modnas --features wgpu --test backends
//! ```
#![cfg(feature = "wgpu")]

use crate::common::device_parity::{
    batch_norm_kernels_match_burns, depthwise_kernels_match_burns_conv2d,
    every_weight_sharing_method_searches_on, fixed_darts_net_matches_the_cpu,
    pointwise_kernels_match_burns_conv2d,
};
use crate::common::serial;
use burn::tensor::Device;

#[test]
fn a_fixed_darts_net_computes_the_same_on_wgpu_as_on_the_cpu() {
    let _serial = serial();
    fixed_darts_net_matches_the_cpu(&Device::wgpu(Default::default()));
}

#[test]
fn every_weight_sharing_method_searches_on_wgpu() {
    let _serial = serial();
    every_weight_sharing_method_searches_on("wgpu");
}

#[test]
fn depthwise_kernels_compute_burns_conv2d_on_wgpu() {
    let _serial = serial();
    depthwise_kernels_match_burns_conv2d(&Device::wgpu(Default::default()));
}

#[test]
fn batch_norm_kernels_compute_burns_on_wgpu() {
    let _serial = serial();
    batch_norm_kernels_match_burns(&Device::wgpu(Default::default()));
}

#[test]
fn pointwise_kernels_compute_burns_conv2d_on_wgpu() {
    let _serial = serial();
    pointwise_kernels_match_burns_conv2d(&Device::wgpu(Default::default()));
}
