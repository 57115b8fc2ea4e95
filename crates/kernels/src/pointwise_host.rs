//! A 1×1 convolution (stride 1, no padding, one group) and its gradients on host memory.
//!
//! Such a convolution is a small matrix product per image: `y[n] = W · x[n]` with `x[n]` of
//! shape `[c_in, h·w]`. Burn's CPU kernels run it through their general convolution
//! machinery (and the weight gradient through a convolution of the input with the output
//! gradient); here each image's output rows are sums of scaled input rows, and the weight
//! gradient sums dot products of rows, images in parallel.
//!
//! ```
//! use modnas_kernels::{pointwise_conv_host, PointwiseLayout};
//!
//! // One image, two input channels of two pixels, one output channel weighing them 1 and 10.
//! let layout = PointwiseLayout { batch: 1, c_in: 2, c_out: 1, spatial: 2 };
//! let y = pointwise_conv_host(&[1.0, 2.0, 3.0, 4.0], &[1.0, 10.0], layout);
//! assert_eq!(y, vec![31.0, 42.0]);
//! ```

use super::dot8;
use rayon::prelude::*;

/// Sizes of a 1×1 convolution: input `[batch, c_in, spatial]`, weight `[c_out, c_in]`, output
/// `[batch, c_out, spatial]`, all contiguous in that order (`spatial` is `h·w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointwiseLayout {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Pixels per channel.
    pub spatial: usize,
}

impl PointwiseLayout {
    /// The same convolution with input and output swapped: the one the input gradient is.
    fn transposed(self) -> Self {
        Self {
            c_in: self.c_out,
            c_out: self.c_in,
            ..self
        }
    }
}

/// The output of a 1×1 convolution of `x` with `weight` (`[c_out, c_in]`).
///
/// # Panics
/// Where a slice's length does not match `layout`.
pub fn pointwise_conv_host(x: &[f32], weight: &[f32], layout: PointwiseLayout) -> Vec<f32> {
    let PointwiseLayout {
        batch,
        c_in,
        c_out,
        spatial,
    } = layout;
    assert_eq!(
        (x.len(), weight.len()),
        (batch * c_in * spatial, c_out * c_in),
        "{layout:?}"
    );
    let mut y = vec![0.0f32; batch * c_out * spatial];
    if y.is_empty() || c_in == 0 {
        return y;
    }
    // One image per task: its `c_in` input rows stay in cache while every output row is built.
    y.par_chunks_mut(c_out * spatial)
        .zip(x.par_chunks(c_in * spatial))
        .for_each(|(out, image)| {
            for (o, row) in out.chunks_mut(spatial).enumerate() {
                let weights = &weight[o * c_in..(o + 1) * c_in];
                for (&w, input) in weights.iter().zip(image.chunks(spatial)) {
                    for (acc, &v) in row.iter_mut().zip(input) {
                        *acc += w * v;
                    }
                }
            }
        });
    y
}

/// The gradient of the input: the 1×1 convolution of `grad` with the transposed weight.
///
/// # Panics
/// Where a slice's length does not match `layout`.
pub fn pointwise_input_grad_host(
    grad: &[f32],
    weight: &[f32],
    layout: PointwiseLayout,
) -> Vec<f32> {
    let (c_in, c_out) = (layout.c_in, layout.c_out);
    assert_eq!(weight.len(), c_out * c_in, "{layout:?}");
    let transposed: Vec<f32> = (0..c_in * c_out)
        .map(|i| weight[(i % c_out) * c_in + i / c_out])
        .collect();
    pointwise_conv_host(grad, &transposed, layout.transposed())
}

/// The gradient of the weight, `[c_out, c_in]`: `Σ_n Σ_p grad[n, o, p] · x[n, i, p]`.
///
/// # Panics
/// Where a slice's length does not match `layout`.
pub fn pointwise_weight_grad_host(x: &[f32], grad: &[f32], layout: PointwiseLayout) -> Vec<f32> {
    let PointwiseLayout {
        batch,
        c_in,
        c_out,
        spatial,
    } = layout;
    assert_eq!(
        (x.len(), grad.len()),
        (batch * c_in * spatial, batch * c_out * spatial),
        "{layout:?}"
    );
    let size = c_out * c_in;
    if batch * spatial * size == 0 {
        return vec![0.0; size];
    }
    x.par_chunks(c_in * spatial)
        .zip(grad.par_chunks(c_out * spatial))
        .fold(
            || vec![0.0f32; size],
            |mut acc, (image, g)| {
                for (o, g_row) in g.chunks(spatial).enumerate() {
                    for (i, x_row) in image.chunks(spatial).enumerate() {
                        acc[o * c_in + i] += dot8(g_row, x_row);
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0.0f32; size],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                a
            },
        )
}

#[cfg(test)]
mod tests {
    use super::super::test_values as values;
    use super::*;

    /// Output and both gradients by their definitions, term by term: `[y, dx, dw]`.
    fn naive(x: &[f32], w: &[f32], grad: &[f32], l: PointwiseLayout) -> [Vec<f32>; 3] {
        let PointwiseLayout {
            batch,
            c_in,
            c_out,
            spatial,
        } = l;
        let mut y = vec![0.0; batch * c_out * spatial];
        let mut dx = vec![0.0; x.len()];
        let mut dw = vec![0.0; w.len()];
        for n in 0..batch {
            for o in 0..c_out {
                for i in 0..c_in {
                    for p in 0..spatial {
                        let (xi, yi) =
                            ((n * c_in + i) * spatial + p, (n * c_out + o) * spatial + p);
                        y[yi] += w[o * c_in + i] * x[xi];
                        dx[xi] += w[o * c_in + i] * grad[yi];
                        dw[o * c_in + i] += grad[yi] * x[xi];
                    }
                }
            }
        }
        [y, dx, dw]
    }

    #[test]
    fn matches_the_definition() {
        // Rows shorter than a lane, odd rows, more inputs than outputs and the reverse.
        let layouts = [
            (2, 3, 4, 5),
            (3, 16, 16, 64),
            (1, 5, 2, 9),
            (4, 2, 7, 1),
            (2, 8, 3, 1024),
        ];
        for (batch, c_in, c_out, spatial) in layouts {
            let l = PointwiseLayout {
                batch,
                c_in,
                c_out,
                spatial,
            };
            let x = values(batch * c_in * spatial, 3);
            let w = values(c_out * c_in, 5);
            let grad = values(batch * c_out * spatial, 7);
            let [y, dx, dw] = naive(&x, &w, &grad, l);
            let pairs = [
                (pointwise_conv_host(&x, &w, l), y, "output"),
                (
                    pointwise_input_grad_host(&grad, &w, l),
                    dx,
                    "input gradient",
                ),
                (
                    pointwise_weight_grad_host(&x, &grad, l),
                    dw,
                    "weight gradient",
                ),
            ];
            for (fast, slow, what) in pairs {
                assert_eq!(fast.len(), slow.len(), "{l:?} {what}");
                for (a, b) in fast.iter().zip(&slow) {
                    assert!(
                        (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                        "{l:?} {what}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
