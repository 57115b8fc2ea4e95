//! Kernels modnas adds to Burn's backends through its extension mechanism, and the Dirichlet
//! math of DrNAS's architecture weights (shared by its optimizer and its mixed operators).

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
mod dirichlet;
#[allow(deprecated)]
mod pointwise;
#[cfg(feature = "flex")]
mod pointwise_flex;
mod pointwise_host;

pub use batch_norm::{batch_norm_forward, batch_norm_train, BatchNormTrainBackend};
pub use batch_norm_host::{
    batch_norm_train_backward_host, batch_norm_train_host, BatchNormHostGrads, BatchNormHostStats,
    BatchNormLayout,
};
pub use depthwise::{depthwise_conv2d, depthwise_geometry, DepthwiseConvBackend};
pub use depthwise_host::{depthwise_input_grad, depthwise_weight_grad, DepthwiseGeometry};
pub use dirichlet::{concentration, dirichlet_kl_to_prior, laplace_moments};
pub use pointwise::{pointwise_conv2d, pointwise_layout, PointwiseConvBackend};
pub use pointwise_host::{
    pointwise_conv_host, pointwise_input_grad_host, pointwise_weight_grad_host, PointwiseLayout,
};

/// `Σ a·b` over equally long slices, in eight lanes so that the compiler vectorizes it.
fn dot8(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(p, q)| p * q)
        .sum();
    for (p, q) in a8.zip(b8) {
        for ((l, &p), &q) in lanes.iter_mut().zip(p).zip(q) {
            *l += p * q;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Deterministic values in [-1, 1) for the kernels' tests.
#[cfg(test)]
fn test_values(len: usize, seed: u32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
        })
        .collect()
}
