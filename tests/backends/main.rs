//! The same model code on Burn's other backends, each module built only with its feature:
//! `wgpu` (the GPU path; CI runs it on the CPU through Mesa's lavapipe, slow: minutes) and
//! `tch` (LibTorch, against an installed PyTorch). Both need a long build of Burn with those
//! features, which CI does once for the whole workspace (`.ci/run`).

#[path = "../common/mod.rs"]
mod common;

mod libtorch;
mod wgpu;
