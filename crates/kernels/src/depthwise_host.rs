//! The weight gradient of a depthwise convolution, computed directly on host memory.
//!
//! Burn's default `conv2d_weight_backward`, which the CPU backends inherit, runs one
//! convolution per group, each with the whole image as its kernel; for a depthwise layer
//! that is one small convolution per channel. Here each channel's k×k taps are dot products
//! of the output gradient with shifted rows of the input, channels in parallel.
//!
//! ```
//! use modnas_kernels::{depthwise_weight_grad, DepthwiseGeometry};
//!
//! // One image, one channel, 3×3 input of ones, a 1×1 kernel: the gradient is the sum of
//! // the output gradient.
//! let g = DepthwiseGeometry::new([1, 1, 3, 3], [1, 1], [1, 1], [0, 0], [1, 1]);
//! let dw = depthwise_weight_grad(&[1.0; 9], &[2.0; 9], &g);
//! assert_eq!(dw, vec![18.0]);
//! ```

use super::dot8;
use rayon::prelude::*;

/// Shapes and options of a depthwise convolution (`groups == channels_in == channels_out`),
/// NCHW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthwiseGeometry {
    /// Input shape `[batch, channels, height, width]`.
    pub input: [usize; 4],
    /// Kernel size `[height, width]`.
    pub kernel: [usize; 2],
    /// Stride per spatial dimension.
    pub stride: [usize; 2],
    /// Padding before each spatial dimension (the output size fixes the padding after it).
    pub padding: [usize; 2],
    /// Dilation per spatial dimension.
    pub dilation: [usize; 2],
    /// Output size `[height, width]`.
    pub output: [usize; 2],
}

impl DepthwiseGeometry {
    /// The geometry of a symmetric-padded convolution; the output size follows from it.
    /// Kernel, stride and dilation must be positive ([`super::depthwise_geometry`] checks
    /// them for tensors).
    pub fn new(
        input: [usize; 4],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> Self {
        let out = |d: usize| {
            let span = dilation[d] * (kernel[d] - 1) + 1;
            (input[2 + d] + 2 * padding[d]).saturating_sub(span) / stride[d] + 1
        };
        Self {
            input,
            kernel,
            stride,
            padding,
            dilation,
            output: [out(0), out(1)],
        }
    }

    /// Elements of the output gradient, `batch · channels · out_h · out_w`.
    pub fn output_len(&self) -> usize {
        self.input[0] * self.input[1] * self.output[0] * self.output[1]
    }

    /// The output positions `o` along dimension `d` whose input position
    /// `o·stride + tap·dilation − padding` lies inside the input.
    fn valid(&self, d: usize, tap: usize) -> std::ops::Range<usize> {
        let (s, size) = (self.stride[d], self.input[2 + d]);
        let shift = tap * self.dilation[d];
        let pad = self.padding[d];
        // o·s + shift ≥ pad  and  o·s + shift < pad + size
        let lo = pad.saturating_sub(shift).div_ceil(s);
        let hi = if pad + size > shift {
            (pad + size - shift).div_ceil(s)
        } else {
            0
        };
        lo.min(self.output[d])..hi.min(self.output[d])
    }
}

/// `dW[c, 0, i, j] = Σ_n Σ_oh Σ_ow grad[n, c, oh, ow] · x[n, c, oh·s + i·d − p, ow·s + j·d − p]`,
/// for contiguous NCHW `x` and `grad`; returns the `[channels, 1, kh, kw]` gradient flattened.
///
/// # Panics
/// If the slice lengths do not match `geometry`.
pub fn depthwise_weight_grad(x: &[f32], grad: &[f32], geometry: &DepthwiseGeometry) -> Vec<f32> {
    let g = geometry;
    let [n, c, h, w] = g.input;
    let [oh, ow] = g.output;
    let [kh, kw] = g.kernel;
    assert_eq!(x.len(), n * c * h * w, "input length for {g:?}");
    assert_eq!(
        grad.len(),
        g.output_len(),
        "output-gradient length for {g:?}"
    );
    let rows: Vec<_> = (0..kh).map(|i| (i, g.valid(0, i))).collect();
    let cols: Vec<_> = (0..kw).map(|j| (j, g.valid(1, j))).collect();
    let mut out = vec![0f32; c * kh * kw];
    out.par_chunks_mut(kh * kw)
        .enumerate()
        .for_each(|(ch, taps)| {
            for b in 0..n {
                let plane = (b * c + ch) * h * w;
                let gplane = (b * c + ch) * oh * ow;
                for &(i, ref orows) in &rows {
                    for o_r in orows.clone() {
                        let ir = o_r * g.stride[0] + i * g.dilation[0] - g.padding[0];
                        let xrow = &x[plane + ir * w..plane + (ir + 1) * w];
                        let grow = &grad[gplane + o_r * ow..gplane + (o_r + 1) * ow];
                        for &(j, ref ocols) in &cols {
                            if ocols.is_empty() {
                                continue;
                            }
                            let first = ocols.start * g.stride[1] + j * g.dilation[1];
                            let Some(first) = first.checked_sub(g.padding[1]) else {
                                continue;
                            };
                            taps[i * kw + j] +=
                                row_dot(&grow[ocols.clone()], &xrow[first..], g.stride[1]);
                        }
                    }
                }
            }
        });
    out
}

/// `dx[n, c, oh·s + i·d − p, ow·s + j·d − p] += grad[n, c, oh, ow] · w[c, 0, i, j]`, for
/// contiguous NCHW `grad` and `[channels, 1, kh, kw]` `weight`; returns the input gradient
/// flattened.
///
/// # Panics
/// If the slice lengths do not match `geometry`.
pub fn depthwise_input_grad(
    grad: &[f32],
    weight: &[f32],
    geometry: &DepthwiseGeometry,
) -> Vec<f32> {
    let g = geometry;
    let [n, c, h, w] = g.input;
    let [oh, ow] = g.output;
    let [kh, kw] = g.kernel;
    assert_eq!(
        grad.len(),
        g.output_len(),
        "output-gradient length for {g:?}"
    );
    assert_eq!(weight.len(), c * kh * kw, "weight length for {g:?}");
    let rows: Vec<_> = (0..kh).map(|i| (i, g.valid(0, i))).collect();
    let cols: Vec<_> = (0..kw).map(|j| (j, g.valid(1, j))).collect();
    let mut out = vec![0f32; n * c * h * w];
    out.par_chunks_mut(h * w)
        .enumerate()
        .for_each(|(plane, dx)| {
            let ch = plane % c;
            let gplane = &grad[plane * oh * ow..(plane + 1) * oh * ow];
            for &(i, ref orows) in &rows {
                for o_r in orows.clone() {
                    let ir = o_r * g.stride[0] + i * g.dilation[0] - g.padding[0];
                    let grow = &gplane[o_r * ow..(o_r + 1) * ow];
                    let dxrow = &mut dx[ir * w..(ir + 1) * w];
                    for &(j, ref ocols) in &cols {
                        if ocols.is_empty() {
                            continue;
                        }
                        let tap = weight[(ch * kh + i) * kw + j];
                        let first = ocols.start * g.stride[1] + j * g.dilation[1] - g.padding[1];
                        let src = &grow[ocols.clone()];
                        if g.stride[1] == 1 {
                            for (d, v) in dxrow[first..first + src.len()].iter_mut().zip(src) {
                                *d += tap * v;
                            }
                        } else {
                            for (d, v) in dxrow[first..].iter_mut().step_by(g.stride[1]).zip(src) {
                                *d += tap * v;
                            }
                        }
                    }
                }
            }
        });
    out
}

/// `Σ_k a[k] · b[k·stride]`, in eight lanes so that the compiler vectorises the unit-stride
/// case.
fn row_dot(a: &[f32], b: &[f32], stride: usize) -> f32 {
    if stride != 1 {
        return a
            .iter()
            .zip(b.iter().step_by(stride))
            .map(|(p, q)| p * q)
            .sum();
    }
    dot8(a, &b[..a.len()])
}

#[cfg(test)]
mod tests {
    use super::super::test_values as values;
    use super::*;

    /// Both gradients by their definition, one term at a time: `(dw, dx)`.
    fn naive(x: &[f32], grad: &[f32], weight: &[f32], g: &DepthwiseGeometry) -> [Vec<f32>; 2] {
        let [n, c, h, w] = g.input;
        let [oh, ow] = g.output;
        let [kh, kw] = g.kernel;
        let (mut dw, mut dx) = (vec![0f32; c * kh * kw], vec![0f32; n * c * h * w]);
        for b in 0..n {
            for ch in 0..c {
                for i in 0..kh {
                    for j in 0..kw {
                        for r in 0..oh {
                            for q in 0..ow {
                                let ir = (r * g.stride[0] + i * g.dilation[0]) as isize
                                    - g.padding[0] as isize;
                                let iq = (q * g.stride[1] + j * g.dilation[1]) as isize
                                    - g.padding[1] as isize;
                                if ir < 0 || iq < 0 || ir >= h as isize || iq >= w as isize {
                                    continue;
                                }
                                let at = ((b * c + ch) * h + ir as usize) * w + iq as usize;
                                let gv = grad[((b * c + ch) * oh + r) * ow + q];
                                let tap = (ch * kh + i) * kw + j;
                                dw[tap] += gv * x[at];
                                dx[at] += gv * weight[tap];
                            }
                        }
                    }
                }
            }
        }
        [dw, dx]
    }

    #[test]
    fn matches_the_definition_for_the_darts_geometries() {
        // (input, kernel, stride, padding, dilation): SC3/SC5 at stride 1 and 2, DC3/DC5, an
        // odd-sized input and a padding larger than the kernel's reach.
        let cases = [
            ([2, 3, 8, 8], 3, 1, 1, 1),
            ([2, 3, 8, 8], 5, 1, 2, 1),
            ([2, 3, 8, 8], 3, 2, 1, 1),
            ([2, 3, 8, 8], 5, 2, 2, 1),
            ([2, 3, 8, 8], 3, 1, 2, 2),
            ([2, 3, 8, 8], 5, 1, 4, 2),
            ([1, 2, 7, 5], 3, 2, 1, 2),
            ([1, 2, 4, 4], 3, 1, 3, 1),
            ([1, 4, 19, 21], 3, 1, 1, 1),
        ];
        for (input, k, s, p, d) in cases {
            let g = DepthwiseGeometry::new(input, [k, k], [s, s], [p, p], [d, d]);
            let x = values(input.iter().product(), 7);
            let grad = values(g.output_len(), 11);
            let weight = values(input[1] * k * k, 13);
            let [dw, dx] = naive(&x, &grad, &weight, &g);
            let pairs = [
                (depthwise_weight_grad(&x, &grad, &g), dw),
                (depthwise_input_grad(&grad, &weight, &g), dx),
            ];
            for (fast, slow) in pairs {
                assert_eq!(fast.len(), slow.len());
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{g:?}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn output_size_follows_the_convolution_formula() {
        let g = DepthwiseGeometry::new([1, 1, 32, 32], [5, 5], [2, 2], [4, 4], [2, 2]);
        assert_eq!(g.output, [16, 16]);
        let g = DepthwiseGeometry::new([1, 1, 7, 5], [3, 3], [1, 1], [1, 1], [1, 1]);
        assert_eq!(g.output, [7, 5]);
    }
}
