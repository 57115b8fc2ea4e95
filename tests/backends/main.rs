//! The same model code on Burn's other backends, each module built only with its feature:
//! `wgpu` (the GPU path; CI runs it on the CPU through Mesa's lavapipe, slow: minutes) and
//! `tch` (LibTorch, against an installed PyTorch). Both need a long build of Burn with those
//! features, which CI does once for the whole workspace (`.ci/run`). The wgpu tests run one at a
//! time (`serial()`): lavapipe shares the CPU's cores, and side by side they took twice as
//! long as in a row.

#[path = "../common/mod.rs"]
mod common;

mod libtorch;
mod wgpu;
