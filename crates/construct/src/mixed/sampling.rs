//! Host-side sampling of mixed operators: α read in one transfer, Gumbel noise, softmax and
//! weighted draws of a path index.

use super::MixedHandle;
use burn::tensor::Tensor;
use modnas_param_space::TensorParam;
use rand::Rng;

/// Reads every handle's α with one device-to-host transfer.
pub(crate) fn host_alphas(handles: &[&MixedHandle]) -> Vec<Vec<f32>> {
    let tensors: Vec<Tensor<1>> = handles
        .iter()
        .filter_map(|h| h.alpha().map(|a| a.value().detach()))
        .collect();
    if tensors.is_empty() {
        return vec![];
    }
    let flat = Tensor::cat(tensors, 0)
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap_or_default();
    let mut out = Vec::with_capacity(handles.len());
    let mut at = 0;
    for h in handles {
        let n = h.alpha().map_or(0, TensorParam::len);
        out.push(
            flat.get(at..at + n)
                .map(<[f32]>::to_vec)
                .unwrap_or_default(),
        );
        at += n;
    }
    out
}

pub(crate) fn gumbel(rng: &mut impl Rng) -> f32 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    (-(-u.ln()).ln()) as f32
}

pub(crate) fn softmax_host(x: &[f32]) -> Vec<f32> {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = x.iter().map(|v| (v - max).exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// Draws an index with probability proportional to `weights` (all zero: index 0).
pub(crate) fn sample_index(weights: &[f32], rng: &mut impl Rng) -> usize {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0;
    }
    let mut r = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// Index of the largest value (the first on ties).
pub fn argmax(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}
