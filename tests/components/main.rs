//! Components on the CPU backend: every registered component's description, cost metrics of
//! every built-in candidate, slots, latency tables, and modnas's CPU kernels against Burn's.
//! No module here registers a component of its own: some modules check every registered one.

#[path = "../common/mod.rs"]
mod common;

mod batch_norm;
mod catalog;
mod conv_kernels;
mod derive;
mod export;
mod latency;
mod metrics;
mod slot;
