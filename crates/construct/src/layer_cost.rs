//! The cost of Burn's standard layers, so that a model's `cost` chains its fields instead of
//! counting by hand: multiply-accumulates, the output shape for an input shape, and the bytes
//! the layer reads and writes (input, weights, output). Checked against Burn's own output
//! shapes and hand counts below.
//!
//! ```
//! use burn::nn::conv::Conv2dConfig;
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use modnas_construct::LayerCost;
//!
//! let device = Device::default();
//! let conv = Conv2dConfig::new([3, 8], [3, 3]).with_stride([2, 2]).init(&device);
//! let c = conv.layer_cost(&[1, 3, 32, 32]);
//! assert_eq!(c.output, [1, 8, 15, 15]);
//! assert_eq!(c.macs, 15 * 15 * 8 * 3 * 3 * 3);
//! let head = LinearConfig::new(8, 10).init(&device);
//! assert_eq!(head.layer_cost(&[1, 8]).macs, 80);
//! ```

use crate::{f32_bytes, Cost, Slot};
use burn::nn::attention::MultiHeadAttention;
use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::pool::{AdaptiveAvgPool2d, AvgPool2d, MaxPool2d};
use burn::nn::{
    BatchNorm, Dropout, Embedding, Gelu, LayerNorm, Linear, PaddingConfig1d, PaddingConfig2d, Relu,
};

/// A layer whose cost follows from its input shape.
pub trait LayerCost {
    /// The cost of one forward pass on an input of shape `input`.
    fn layer_cost(&self, input: &[usize]) -> Cost;
}

fn elements(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// A layer that keeps its input's shape at no MACs (normalisation, activation, dropout).
fn same_shape(input: &[usize]) -> Cost {
    let n = elements(input);
    Cost::new(0, input.to_vec()).with_mem(f32_bytes(2 * n))
}

/// `macs` from `input` to `output`, reading `weights` parameters.
fn counted(macs: usize, input: &[usize], weights: usize, output: Vec<usize>) -> Cost {
    let mem = f32_bytes(elements(input) + weights + elements(&output));
    Cost::new(macs as u64, output).with_mem(mem)
}

/// Output length along one axis: `size` padded by `pad`, a `kernel` dilated by `dilation`,
/// moved by `stride`.
fn out_len(size: usize, pad: usize, kernel: usize, dilation: usize, stride: usize) -> usize {
    let reach = dilation * (kernel - 1) + 1;
    (size + pad).saturating_sub(reach) / stride.max(1) + 1
}

/// Total padding of both axes of a 2-D window: `[height, width]`.
fn pad2(padding: &PaddingConfig2d, kernel: [usize; 2], dilation: [usize; 2]) -> [usize; 2] {
    match padding {
        PaddingConfig2d::Valid => [0, 0],
        // "Same" keeps the size at stride 1: the dilated kernel's reach minus one.
        PaddingConfig2d::Same => [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [top + bottom, left + right],
    }
}

impl LayerCost for Linear {
    /// Any rank: the last axis is the features. A rank-4 input whose channels are the
    /// features (a feature map) is read as its global average pool, as image heads do before
    /// their linear layer. Any other shape is one this layer cannot take: it panics with the
    /// shape, which [`try_cost`](crate::try_cost) reports as an error.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let [d_in, d_out] = self.weight.dims();
        let mut rows: Vec<usize> = match input {
            [n, c, _, _] if *c == d_in => vec![*n],
            [lead @ .., last] if *last == d_in => lead.to_vec(),
            _ => panic!("a Linear layer of {d_in} input features cannot take shape {input:?}"),
        };
        let macs = elements(&rows) * d_in * d_out;
        let weights = d_in * d_out + self.bias.as_ref().map_or(0, |_| d_out);
        rows.push(d_out);
        counted(macs, input, weights, rows)
    }
}

impl LayerCost for Conv2d {
    /// `[n, c_in, h, w]` to `[n, c_out, h', w']`.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let [c_out, c_in_group, kh, kw] = self.weight.dims();
        let (n, h, w) = (input[0], input[2], input[3]);
        let pad = pad2(&self.padding, self.kernel_size, self.dilation);
        let ho = out_len(h, pad[0], kh, self.dilation[0], self.stride[0]);
        let wo = out_len(w, pad[1], kw, self.dilation[1], self.stride[1]);
        let weights = c_out * c_in_group * kh * kw;
        let macs = n * ho * wo * weights;
        counted(macs, input, weights, vec![n, c_out, ho, wo])
    }
}

impl LayerCost for Conv1d {
    /// `[n, c_in, len]` to `[n, c_out, len']`.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let [c_out, c_in_group, k] = self.weight.dims();
        let (n, len) = (input[0], input[2]);
        let pad = match &self.padding {
            PaddingConfig1d::Valid => 0,
            PaddingConfig1d::Same => self.dilation * (k - 1),
            PaddingConfig1d::Explicit(left, right) => left + right,
        };
        let lo = out_len(len, pad, k, self.dilation, self.stride);
        let weights = c_out * c_in_group * k;
        counted(n * lo * weights, input, weights, vec![n, c_out, lo])
    }
}

impl LayerCost for Embedding {
    /// Indices `[n, seq]` to `[n, seq, d_model]`: a lookup, no MACs.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let [_, d_model] = self.weight.dims();
        let mut output = input.to_vec();
        output.push(d_model);
        let mem = f32_bytes(2 * elements(&output));
        Cost::new(0, output).with_mem(mem)
    }
}

impl LayerCost for MultiHeadAttention {
    /// Self-attention on `[n, seq, d_model]`: four projections, the scores and their weighted
    /// sum.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let (n, seq, d) = (input[0], input[1], self.d_model);
        let projections = 4 * n * seq * d * d;
        let attention = 2 * n * seq * seq * d;
        let weights = 4 * d * d;
        let scores = n * self.n_heads * seq * seq;
        let mem = f32_bytes(2 * elements(input) + weights + scores);
        Cost::new((projections + attention) as u64, input.to_vec()).with_mem(mem)
    }
}

/// Pooling over a window: no MACs, the output shape of the window.
fn pool2(
    input: &[usize],
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: &PaddingConfig2d,
) -> Cost {
    let pad = pad2(padding, kernel, dilation);
    let ho = out_len(input[2], pad[0], kernel[0], dilation[0], stride[0]);
    let wo = out_len(input[3], pad[1], kernel[1], dilation[1], stride[1]);
    counted(0, input, 0, vec![input[0], input[1], ho, wo])
}

impl LayerCost for AvgPool2d {
    fn layer_cost(&self, input: &[usize]) -> Cost {
        pool2(input, self.kernel_size, self.stride, [1, 1], &self.padding)
    }
}

impl LayerCost for MaxPool2d {
    fn layer_cost(&self, input: &[usize]) -> Cost {
        pool2(
            input,
            self.kernel_size,
            self.stride,
            self.dilation,
            &self.padding,
        )
    }
}

impl LayerCost for AdaptiveAvgPool2d {
    fn layer_cost(&self, input: &[usize]) -> Cost {
        let [h, w] = self.output_size;
        counted(0, input, 0, vec![input[0], input[1], h, w])
    }
}

macro_rules! same_shape_layers {
    ($($layer:ty),*) => {$(
        impl LayerCost for $layer {
            fn layer_cost(&self, input: &[usize]) -> Cost {
                same_shape(input)
            }
        }
    )*};
}
same_shape_layers!(BatchNorm, LayerNorm, Dropout, Relu, Gelu);

impl LayerCost for Slot {
    /// The cost of the slot's current candidate.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        self.cost(input)
    }
}

impl<T: LayerCost> LayerCost for Vec<T> {
    /// The layers one after another.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        self.iter()
            .fold(Cost::new(0, input.to_vec()), |acc, layer| {
                let next = layer.layer_cost(&acc.output);
                acc.then(next)
            })
    }
}

impl<T: LayerCost> LayerCost for Option<T> {
    /// The layer when present, else nothing.
    fn layer_cost(&self, input: &[usize]) -> Cost {
        self.as_ref()
            .map_or_else(|| Cost::new(0, input.to_vec()), |l| l.layer_cost(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::attention::MultiHeadAttentionConfig;
    use burn::nn::conv::{Conv1dConfig, Conv2dConfig};
    use burn::nn::pool::{AdaptiveAvgPool2dConfig, AvgPool2dConfig, MaxPool2dConfig};
    use burn::nn::{EmbeddingConfig, LinearConfig};
    use burn::tensor::{Device, Int, Tensor};

    #[test]
    fn convolution_shapes_match_burns_and_macs_the_hand_count() {
        let device = Device::default();
        let cases = [
            Conv2dConfig::new([3, 8], [3, 3]).with_padding(PaddingConfig2d::Same),
            Conv2dConfig::new([4, 8], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
            Conv2dConfig::new([8, 8], [5, 5])
                .with_groups(8)
                .with_dilation([2, 2]),
            Conv2dConfig::new([6, 4], [1, 3]).with_stride([1, 2]),
        ];
        for config in cases {
            let conv = config.init(&device);
            let [_, c_in_group, _, _] = conv.weight.dims();
            let c_in = c_in_group * conv.groups;
            let x = Tensor::<4>::zeros([2, c_in, 13, 11], &device);
            let cost = conv.layer_cost(&x.dims());
            let y = conv.forward(x);
            assert_eq!(cost.output, y.dims().to_vec(), "{config:?}");
            let [n, c_out, ho, wo] = y.dims();
            let per_output = c_in_group * conv.kernel_size[0] * conv.kernel_size[1];
            assert_eq!(cost.macs as usize, n * c_out * ho * wo * per_output);
        }
        let conv1 = Conv1dConfig::new(4, 6, 5)
            .with_stride(2)
            .with_padding(PaddingConfig1d::Explicit(2, 2))
            .init(&device);
        let y = conv1.forward(Tensor::<3>::zeros([2, 4, 17], &device));
        let cost = conv1.layer_cost(&[2, 4, 17]);
        assert_eq!(cost.output, y.dims().to_vec());
        assert_eq!(cost.macs as usize, 2 * 6 * y.dims()[2] * 4 * 5);
    }

    #[test]
    fn linear_pooling_embedding_and_attention_shapes_match_burns() {
        let device = Device::default();
        let linear = LinearConfig::new(8, 3).init(&device);
        let y = linear.forward(Tensor::<3>::zeros([2, 5, 8], &device));
        let cost = linear.layer_cost(&[2, 5, 8]);
        assert_eq!((cost.output, cost.macs), (y.dims().to_vec(), 2 * 5 * 8 * 3));
        // After a feature map: its pooled channels.
        assert_eq!(linear.layer_cost(&[2, 8, 4, 4]).output, [2, 3]);
        let x = Tensor::<4>::zeros([1, 2, 9, 7], &device);
        let avg = AvgPool2dConfig::new([3, 3]).with_strides([2, 2]).init();
        assert_eq!(
            avg.layer_cost(&x.dims()).output,
            avg.forward(x.clone()).dims()
        );
        let max = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        assert_eq!(
            max.layer_cost(&x.dims()).output,
            max.forward(x.clone()).dims()
        );
        let adaptive = AdaptiveAvgPool2dConfig::new([1, 1]).init();
        assert_eq!(
            adaptive.layer_cost(&x.dims()).output,
            adaptive.forward(x).dims()
        );
        let embedding = EmbeddingConfig::new(10, 6).init(&device);
        let ids = Tensor::<2, Int>::zeros([2, 5], &device);
        assert_eq!(
            embedding.layer_cost(&[2, 5]).output,
            embedding.forward(ids).dims()
        );
        let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
        let cost = mha.layer_cost(&[2, 5, 8]);
        assert_eq!(cost.output, [2, 5, 8]);
        assert_eq!(cost.macs, (4 * 2 * 5 * 8 * 8 + 2 * 2 * 5 * 5 * 8) as u64);
    }

    #[test]
    fn a_vec_of_layers_is_a_chain() {
        let device = Device::default();
        let layers = vec![
            Conv2dConfig::new([1, 4], [3, 3]).init(&device),
            Conv2dConfig::new([4, 4], [3, 3]).init(&device),
        ];
        let cost = layers.layer_cost(&[1, 1, 8, 8]);
        assert_eq!(cost.output, [1, 4, 4, 4]);
        assert_eq!(cost.macs, (6 * 6 * 4 * 9 + 4 * 4 * 4 * 36) as u64);
    }
}
