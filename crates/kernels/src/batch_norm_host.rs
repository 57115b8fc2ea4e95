//! Training-mode batch normalization computed directly on host memory.
//!
//! Burn's default `batch_norm_train`, which the CPU backends inherit, builds the statistics
//! and the normalization out of about ten whole-tensor operations (a transposed copy per
//! reduction, a broadcast per step), and its backward out of a dozen more. Here the forward
//! pass is two reductions and one write per element, the backward one reduction and one
//! write, channels (or planes) in parallel. Statistics accumulate in `f64`.
//!
//! ```
//! use modnas_kernels::{batch_norm_train_host, BatchNormLayout};
//!
//! // Two samples of one channel: values 1 and 3, mean 2, biased variance 1.
//! let layout = BatchNormLayout { batch: 2, channels: 1, spatial: 1 };
//! let stats = batch_norm_train_host(&[1.0, 3.0], &[1.0], &[0.0], layout, 0.0);
//! assert_eq!((stats.mean, stats.variance), (vec![2.0], vec![1.0]));
//! assert_eq!(stats.output, vec![-1.0, 1.0]);
//! ```

use rayon::prelude::*;

/// The shape of a batch-norm input `[batch, channels, ...]`, its trailing dimensions
/// flattened into `spatial`; the data is contiguous in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchNormLayout {
    /// Samples in the batch.
    pub batch: usize,
    /// Channels, each normalized on its own.
    pub channels: usize,
    /// Elements per sample and channel (`height · width` for images).
    pub spatial: usize,
}

impl BatchNormLayout {
    /// The layout of a tensor of shape `dims`, or `None` below rank 2.
    pub fn of(dims: &[usize]) -> Option<Self> {
        let [batch, channels, rest @ ..] = dims else {
            return None;
        };
        Some(Self {
            batch: *batch,
            channels: *channels,
            spatial: rest.iter().product(),
        })
    }

    /// Elements per channel over the batch, the count the statistics divide by.
    pub fn per_channel(&self) -> usize {
        self.batch * self.spatial
    }

    /// Elements of the whole tensor.
    pub fn len(&self) -> usize {
        self.batch * self.channels * self.spatial
    }

    /// Whether the tensor has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows (one sample, one channel: `spatial` contiguous elements) of channel `ch`.
    fn rows<'a>(&self, data: &'a [f32], ch: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (c, s) = (self.channels, self.spatial);
        (0..self.batch).map(move |n| &data[(n * c + ch) * s..(n * c + ch + 1) * s])
    }
}

/// The normalized output and the batch statistics of [`batch_norm_train_host`].
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormHostStats {
    /// `(x − mean) / √(variance + ε) · γ + β`, in the input's layout.
    pub output: Vec<f32>,
    /// Per-channel mean.
    pub mean: Vec<f32>,
    /// Per-channel biased (population) variance, without ε.
    pub variance: Vec<f32>,
}

/// Batch normalization of `x` with its own statistics.
///
/// # Panics
/// Where a slice's length does not match `layout`.
pub fn batch_norm_train_host(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    layout: BatchNormLayout,
    epsilon: f64,
) -> BatchNormHostStats {
    check(layout, x, gamma, beta);
    let count = layout.per_channel().max(1) as f64;
    let (mean, variance): (Vec<f32>, Vec<f32>) = (0..layout.channels)
        .into_par_iter()
        .map(|ch| {
            let mean = layout
                .rows(x, ch)
                .map(|r| sum_by_lanes(r, |v| v))
                .sum::<f64>()
                / count;
            let m = mean as f32;
            let var = layout
                .rows(x, ch)
                .map(|r| sum_by_lanes(r, |v| (v - m) * (v - m)))
                .sum::<f64>()
                / count;
            (m, var as f32)
        })
        .unzip();
    let scale: Vec<f32> = (0..layout.channels)
        .map(|ch| gamma[ch] * inv_std(variance[ch], epsilon))
        .collect();
    let shift: Vec<f32> = (0..layout.channels)
        .map(|ch| beta[ch] - mean[ch] * scale[ch])
        .collect();
    let mut output = vec![0.0; x.len()];
    for_each_plane(layout, &mut output, [x, x], |ch, out, [row, _]| {
        let (a, b) = (scale[ch], shift[ch]);
        out.iter_mut().zip(row).for_each(|(o, &v)| *o = v * a + b);
    });
    BatchNormHostStats {
        output,
        mean,
        variance,
    }
}

/// The gradients of [`batch_norm_train_host`]'s output with respect to its input, γ and β.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormHostGrads {
    /// Gradient of the input, in its layout.
    pub x: Vec<f32>,
    /// Gradient of γ, per channel.
    pub gamma: Vec<f32>,
    /// Gradient of β, per channel.
    pub beta: Vec<f32>,
}

/// The gradients of training-mode batch normalization, given the output gradient `grad` and
/// the `mean` and `variance` the forward pass used.
///
/// # Panics
/// Where a slice's length does not match `layout`.
pub fn batch_norm_train_backward_host(
    x: &[f32],
    gamma: &[f32],
    [mean, variance]: [&[f32]; 2],
    grad: &[f32],
    layout: BatchNormLayout,
    epsilon: f64,
) -> BatchNormHostGrads {
    check(layout, x, gamma, mean);
    assert_eq!((variance.len(), grad.len()), (layout.channels, x.len()));
    let count = layout.per_channel().max(1) as f64;
    // Σ dy and Σ dy·(x − mean) per channel.
    let (sum_dy, sum_dy_xc): (Vec<f64>, Vec<f64>) = (0..layout.channels)
        .into_par_iter()
        .map(|ch| {
            let m = mean[ch];
            layout
                .rows(grad, ch)
                .zip(layout.rows(x, ch))
                .map(|(g, r)| {
                    let dy = sum_by_lanes(g, |v| v);
                    let dy_xc = dot_by_lanes(g, r, m);
                    (dy, dy_xc)
                })
                .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d))
        })
        .unzip();
    let istd: Vec<f64> = variance
        .iter()
        .map(|&v| f64::from(inv_std(v, epsilon)))
        .collect();
    // dx = k1·dy + k2·x + k3, with k1 = γ/σ, k2 = −γ/σ³ · Σ dy·(x − mean) / M and
    // k3 = −k1 · Σ dy / M − k2 · mean.
    let coefs: Vec<[f32; 3]> = (0..layout.channels)
        .map(|ch| {
            let k1 = f64::from(gamma[ch]) * istd[ch];
            let k2 = -k1 * istd[ch] * istd[ch] * sum_dy_xc[ch] / count;
            let k3 = -k1 * sum_dy[ch] / count - k2 * f64::from(mean[ch]);
            [k1 as f32, k2 as f32, k3 as f32]
        })
        .collect();
    let mut dx = vec![0.0; x.len()];
    for_each_plane(layout, &mut dx, [x, grad], |ch, out, [row, g]| {
        let [k1, k2, k3] = coefs[ch];
        for ((o, &v), &d) in out.iter_mut().zip(row).zip(g) {
            *o = k1 * d + k2 * v + k3;
        }
    });
    BatchNormHostGrads {
        x: dx,
        gamma: sum_dy_xc
            .iter()
            .zip(&istd)
            .map(|(s, i)| (s * i) as f32)
            .collect(),
        beta: sum_dy.iter().map(|&s| s as f32).collect(),
    }
}

/// `1 / √(variance + ε)`.
fn inv_std(variance: f32, epsilon: f64) -> f32 {
    (1.0 / (f64::from(variance) + epsilon).sqrt()) as f32
}

fn check(layout: BatchNormLayout, x: &[f32], per_channel: &[f32], other: &[f32]) {
    assert_eq!(x.len(), layout.len(), "input length against {layout:?}");
    assert_eq!(
        (per_channel.len(), other.len()),
        (layout.channels, layout.channels),
        "per-channel lengths against {layout:?}"
    );
}

/// Calls `f(channel, out_plane, [a_plane, b_plane])` for every (sample, channel) plane, in
/// parallel; small planes go in batches so that each task has work worth its hand-off.
fn for_each_plane(
    layout: BatchNormLayout,
    out: &mut [f32],
    [a, b]: [&[f32]; 2],
    f: impl Fn(usize, &mut [f32], [&[f32]; 2]) + Sync,
) {
    let s = layout.spatial.max(1);
    let c = layout.channels.max(1);
    out.par_chunks_mut(s)
        .zip(a.par_chunks(s).zip(b.par_chunks(s)))
        .enumerate()
        .with_min_len((4096 / s).max(1))
        .for_each(|(p, (o, (a, b)))| f(p % c, o, [a, b]));
}

/// `Σ f(v)` over `row`, in eight `f32` lanes (which the compiler vectorizes), then in `f64`.
fn sum_by_lanes(row: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut lanes = [0.0f32; 8];
    let chunks = row.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += f(v);
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + f64::from(tail)
}

/// `Σ g·(v − mean)` over the pairs of `grad` and `row`, in eight `f32` lanes, then in `f64`.
fn dot_by_lanes(grad: &[f32], row: &[f32], mean: f32) -> f64 {
    let mut lanes = [0.0f32; 8];
    let (g8, r8) = (grad.chunks_exact(8), row.chunks_exact(8));
    let tail: f32 = g8
        .remainder()
        .iter()
        .zip(r8.remainder())
        .map(|(&g, &v)| g * (v - mean))
        .sum();
    for (g, r) in g8.zip(r8) {
        for ((l, &g), &v) in lanes.iter_mut().zip(g).zip(r) {
            *l += g * (v - mean);
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + f64::from(tail)
}

#[cfg(test)]
mod tests {
    use super::super::test_values as values;
    use super::*;

    /// Output and gradients by the textbook formulas, in `f64`:
    /// `x̂ = (x − μ)/σ`, `dβ = Σ dy`, `dγ = Σ dy·x̂`, `dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))`.
    fn naive(
        x: &[f32],
        gamma: &[f32],
        beta: &[f32],
        grad: &[f32],
        l: BatchNormLayout,
    ) -> [Vec<f64>; 5] {
        let eps = 1e-5;
        let m = l.per_channel() as f64;
        let at = |n: usize, ch: usize, i: usize| (n * l.channels + ch) * l.spatial + i;
        let mut out = [
            vec![0.0; x.len()],
            vec![0.0; x.len()],
            vec![],
            vec![],
            vec![],
        ];
        for ch in 0..l.channels {
            let idx: Vec<usize> = (0..l.batch)
                .flat_map(|n| (0..l.spatial).map(move |i| at(n, ch, i)))
                .collect();
            let mean = idx.iter().map(|&i| f64::from(x[i])).sum::<f64>() / m;
            let var = idx
                .iter()
                .map(|&i| (f64::from(x[i]) - mean).powi(2))
                .sum::<f64>()
                / m;
            let sigma = (var + eps).sqrt();
            let xhat = |i: usize| (f64::from(x[i]) - mean) / sigma;
            let dbeta: f64 = idx.iter().map(|&i| f64::from(grad[i])).sum();
            let dgamma: f64 = idx.iter().map(|&i| f64::from(grad[i]) * xhat(i)).sum();
            let g = f64::from(gamma[ch]);
            for &i in &idx {
                out[0][i] = xhat(i) * g + f64::from(beta[ch]);
                out[1][i] = g / sigma * (f64::from(grad[i]) - dbeta / m - xhat(i) * dgamma / m);
            }
            out[2].push(dgamma);
            out[3].push(dbeta);
            out[4].extend([mean, var]);
        }
        out
    }

    fn close(fast: &[f32], slow: &[f64], what: &str, l: BatchNormLayout) {
        assert_eq!(fast.len(), slow.len(), "{what}");
        for (a, b) in fast.iter().zip(slow) {
            let (a, b) = (f64::from(*a), *b);
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "{l:?} {what}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn matches_the_definition() {
        // Planes of 1, of 7 (no full lane), of 64 and of 1024 elements; one sample; one channel.
        let layouts = [
            (4, 3, 1),
            (2, 5, 7),
            (3, 4, 64),
            (2, 2, 1024),
            (1, 3, 9),
            (5, 1, 16),
        ];
        for (batch, channels, spatial) in layouts {
            let l = BatchNormLayout {
                batch,
                channels,
                spatial,
            };
            // An offset mean: the two-pass variance must not lose it to cancellation.
            let x: Vec<f32> = values(l.len(), 3).iter().map(|v| 3.0 * v + 20.0).collect();
            let (gamma, beta) = (values(channels, 5), values(channels, 9));
            let grad = values(l.len(), 17);
            let [y, dx, dgamma, dbeta, stats] = naive(&x, &gamma, &beta, &grad, l);
            let fwd = batch_norm_train_host(&x, &gamma, &beta, l, 1e-5);
            let bwd = batch_norm_train_backward_host(
                &x,
                &gamma,
                [&fwd.mean, &fwd.variance],
                &grad,
                l,
                1e-5,
            );
            let mean: Vec<f64> = stats.iter().step_by(2).copied().collect();
            let var: Vec<f64> = stats.iter().skip(1).step_by(2).copied().collect();
            close(&fwd.output, &y, "output", l);
            close(&fwd.mean, &mean, "mean", l);
            close(&fwd.variance, &var, "variance", l);
            close(&bwd.x, &dx, "input gradient", l);
            close(&bwd.gamma, &dgamma, "gamma gradient", l);
            close(&bwd.beta, &dbeta, "beta gradient", l);
        }
    }

    #[test]
    fn layout_flattens_trailing_dimensions() {
        let l = BatchNormLayout::of(&[2, 3, 4, 5]).unwrap();
        assert_eq!((l.batch, l.channels, l.spatial, l.len()), (2, 3, 20, 120));
        assert_eq!(BatchNormLayout::of(&[6, 4]).map(|l| l.spatial), Some(1));
        assert_eq!(BatchNormLayout::of(&[6]), None);
    }
}
