//! Kernels modnas adds to Burn's backends through its extension mechanism.

// The extensions route to burn-tch, which Burn deprecates; modnas keeps it behind `tch`.
#[allow(deprecated)]
mod batch_norm;
#[cfg(feature = "flex")]
mod batch_norm_flex;
mod batch_norm_host;
#[allow(deprecated)]
mod depthwise;
#[cfg(feature = "flex")]
mod depthwise_flex;
mod depthwise_host;
#[cfg(feature = "tch")]
mod depthwise_tch;
#[allow(deprecated)]
mod pointwise;
#[cfg(feature = "flex")]
mod pointwise_flex;
mod pointwise_host;

pub use batch_norm::*;
pub use batch_norm_host::*;
pub use depthwise::*;
pub use depthwise_host::*;
pub use pointwise::*;
pub use pointwise_host::*;

/// Deterministic values in [-1, 1) for the kernels' tests.
#[cfg(test)]
fn test_values(len: usize, seed: u32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
        })
        .collect()
}
