//! Burn's LibTorch backend (`tch` feature): the same model code and configs as on the CPU,
//! run by PyTorch's kernels. Built only with the `tch` feature against an installed PyTorch;
//! CI installs `torch` from PyPI and runs it on the CPU (`.ci/run`).
//!
//! ```sh
//! pip install torch==2.9.0
//! export LIBTORCH_USE_PYTORCH=1
//! export LD_LIBRARY_PATH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib
//! cargo test -p modnas --features tch --test backends
//! ```
#![cfg(feature = "tch")]

use crate::common::device_parity::{
    batch_norm_kernels_match_burns, depthwise_kernels_match_burns_conv2d,
    every_weight_sharing_method_searches_on, fixed_darts_net_matches_the_cpu,
    pointwise_kernels_match_burns_conv2d,
};
use crate::common::serial;
use burn::tensor::Device;

#[test]
#[allow(deprecated)] // burn-tch is deprecated upstream; modnas keeps it behind `tch`
fn a_fixed_darts_net_computes_the_same_on_libtorch_as_on_the_cpu() {
    let _serial = serial();
    fixed_darts_net_matches_the_cpu(&Device::libtorch());
}

#[test]
fn every_weight_sharing_method_searches_on_libtorch() {
    let _serial = serial();
    every_weight_sharing_method_searches_on("libtorch");
}

#[test]
#[allow(deprecated)] // burn-tch is deprecated upstream; modnas keeps it behind `tch`
fn depthwise_kernels_compute_burns_conv2d_on_libtorch() {
    depthwise_kernels_match_burns_conv2d(&Device::libtorch());
}

#[test]
#[allow(deprecated)] // burn-tch is deprecated upstream; modnas keeps it behind `tch`
fn batch_norm_kernels_compute_burns_on_libtorch() {
    batch_norm_kernels_match_burns(&Device::libtorch());
}

#[test]
#[allow(deprecated)] // burn-tch is deprecated upstream; modnas keeps it behind `tch`
fn pointwise_kernels_compute_burns_conv2d_on_libtorch() {
    pointwise_kernels_match_burns_conv2d(&Device::libtorch());
}
