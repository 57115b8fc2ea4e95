//! `AuxiliaryHead`: the auxiliary classifier DARTS attaches after the second reduction cell
//! for the final training (Szegedy et al., 2015; Liu et al., 2019): ReLU, average pooling to
//! 2×2, a 1×1 convolution to 128 channels, BN, ReLU, a 2×2 convolution to 768 channels, BN,
//! ReLU and a linear classifier. DARTS pools with a 5×5 window at stride 3, which gives 2×2
//! only for CIFAR's 8×8 maps; adaptive pooling gives 2×2 for any input size.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_models::AuxiliaryHead;
//! let device = Device::default();
//! let head = AuxiliaryHead::new(16, 10, &device).unwrap();
//! assert_eq!(head.forward(Tensor::zeros([3, 16, 8, 8], &device)).dims(), [3, 10]);
//! ```

use burn::module::Module;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{BatchNorm, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use modnas_construct::kernels::batch_norm_forward;
use modnas_construct::ops::{batch_norm, ConvLayer};
use modnas_construct::{ConstructError, Cost};

const HIDDEN: usize = 128;
const WIDE: usize = 768;

/// DARTS's auxiliary classifier.
#[derive(Module, Debug)]
pub struct AuxiliaryHead {
    pool: AdaptiveAvgPool2d,
    reduce: ConvLayer,
    reduce_bn: BatchNorm,
    expand: ConvLayer,
    expand_bn: BatchNorm,
    classifier: Linear,
}

impl AuxiliaryHead {
    /// A head over `channels`-channel feature maps for `classes` classes.
    pub fn new(channels: usize, classes: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            pool: AdaptiveAvgPool2dConfig::new([2, 2]).init(),
            reduce: ConvLayer::new(channels, HIDDEN, 1, 1, 1, 1, device)?,
            reduce_bn: batch_norm(HIDDEN, device),
            expand: ConvLayer::new(HIDDEN, WIDE, 2, 1, 1, 1, device)?,
            expand_bn: batch_norm(WIDE, device),
            classifier: LinearConfig::new(WIDE, classes).init(device),
        })
    }

    /// Logits `[N, classes]` for feature maps `[N, C, H, W]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(x));
        let x = relu(batch_norm_forward(&self.reduce_bn, self.reduce.forward(x)));
        let x = relu(batch_norm_forward(&self.expand_bn, self.expand.forward(x)));
        let n = x.dims()[0];
        self.classifier.forward(x.reshape([n, WIDE]))
    }

    /// Multiply-accumulates for feature maps of shape `input` (pooling costs none).
    pub fn cost(&self, input: &[usize]) -> Cost {
        let pooled = [input[0], input[1], 2, 2];
        let reduce = self.reduce.cost(&pooled);
        let expand = self.expand.cost(&reduce.output);
        let n = input[0];
        let classes = self.classifier.weight.dims()[1];
        let classify = Cost::new((n * WIDE * classes) as u64, vec![n, classes]).with_mem(
            modnas_construct::f32_bytes(n * WIDE + WIDE * classes + n * classes),
        );
        reduce.then(expand).then(classify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_counts_both_convolutions_and_the_classifier() {
        let device = Device::default();
        let head = AuxiliaryHead::new(16, 10, &device).unwrap();
        let cost = head.cost(&[2, 16, 5, 5]);
        let expected = 2 * (HIDDEN * 16 * 4 + WIDE * HIDDEN * 4 + WIDE * 10);
        assert_eq!((cost.macs, cost.output), (expected as u64, vec![2, 10]));
        let y = head.forward(Tensor::ones([2, 16, 5, 5], &device));
        assert_eq!(y.dims(), [2, 10]);
    }
}
