//! [`ElasticConv2d`]: Burn's `Conv2d` whose output channels follow an [`ElasticHandle`], for
//! once-for-all training of a user's own CNN (a ResNet's stage widths). Like
//! [`ElasticLinear`](super::ElasticLinear) it slices its full weights in the forward pass: the
//! output to `unit × value` channels, the input to the channels the input has.
//!
//! ```
//! use burn::nn::conv::Conv2dConfig;
//! use burn::nn::PaddingConfig2d;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{ElasticConv2d, ElasticHandle};
//! let device = Device::default();
//! let width = ElasticHandle::new("stage1.width", &[4, 2]).unwrap();
//! let conv = Conv2dConfig::new([3, 1], [3, 3]).with_padding(PaddingConfig2d::Same);
//! let conv = ElasticConv2d::new(conv, 8, width.clone(), &device).unwrap(); // 3 → 8·{4,2}
//! width.set(2).unwrap();
//! assert_eq!(conv.forward(Tensor::zeros([1, 3, 6, 6], &device)).dims(), [1, 16, 6, 6]);
//! ```

// Burn slices take one range per leading dimension: `[0..width]` is a slice, not a Vec.
#![allow(clippy::single_range_in_vec_init)]

use super::ElasticHandle;
use crate::layer_cost::LayerCost;
use crate::{ConstructError, Cost};
use burn::module::{Module, Param, ParamId};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Device, Int, Tensor};

/// A 2-D convolution elastic in its output channels (and following its input's channels).
#[derive(Module, Debug)]
pub struct ElasticConv2d {
    conv: Conv2d,
    /// `None`: fixed output channels (the input may still be elastic).
    handle: Option<ElasticHandle>,
    #[module(skip)]
    unit: usize,
}

impl ElasticConv2d {
    /// `config`'s convolution with `unit × handle.max()` output channels (its own output
    /// count is replaced), elastic in steps of `unit`. Grouped convolutions are refused.
    pub fn new(
        config: Conv2dConfig,
        unit: usize,
        handle: ElasticHandle,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        if config.groups != 1 || unit == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "an elastic convolution needs groups 1 and a positive unit, got groups {}, unit {unit}",
                config.groups
            )));
        }
        let c_out = unit * handle.max() as usize;
        let config = Conv2dConfig {
            channels: [config.channels[0], c_out],
            ..config
        };
        Ok(Self {
            conv: config.init(device),
            handle: Some(handle),
            unit,
        })
    }

    /// A convolution of fixed output channels whose input may be elastic.
    pub fn fixed(config: Conv2dConfig, device: &Device) -> Self {
        let unit = config.channels[1];
        Self {
            conv: config.init(device),
            handle: None,
            unit,
        }
    }

    /// The active output channels.
    pub fn width(&self) -> usize {
        let full = self.conv.weight.dims()[0];
        let value = self.handle.as_ref().map_or(1, |h| h.get().max(0) as usize);
        (self.unit * value).min(full)
    }

    /// The full convolution, all channels.
    pub fn full(&self) -> &Conv2d {
        &self.conv
    }

    /// The handle that sets the width (`None` for fixed channels).
    pub fn handle(&self) -> Option<&ElasticHandle> {
        self.handle.as_ref()
    }

    fn active(&self, c_in: usize) -> (Tensor<4>, Option<Tensor<1>>) {
        let width = self.width();
        let [_, _, kh, kw] = self.conv.weight.dims();
        let weight = self
            .conv
            .weight
            .val()
            .slice([0..width, 0..c_in, 0..kh, 0..kw]);
        let bias = self.conv.bias.as_ref().map(|b| b.val().slice([0..width]));
        (weight, bias)
    }

    /// `[n, c, h, w]` → `[n, width, h', w']`, `c` at most the full input channels.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let (weight, bias) = self.active(x.dims()[1]);
        // Burn's own convolution on the sliced weights (which the gradient flows through), so
        // padding and options are exactly `Conv2d`'s.
        let wrap = |t| Param::initialized(ParamId::new(), t);
        let conv = Conv2d {
            weight: wrap(weight),
            bias: bias.map(|b| Param::initialized(ParamId::new(), b)),
            padding: self.conv.padding.clone(),
            ..self.conv.clone()
        };
        conv.forward(x)
    }

    /// The cost of the active layer on `input`.
    pub fn cost(&self, input: &[usize]) -> Cost {
        self.export_active(input.get(1).copied().unwrap_or(0))
            .layer_cost(input)
    }

    /// The active layer alone for `c_in` input channels, as a Burn `Conv2d` with copies of the
    /// inherited weights.
    pub fn export_active(&self, c_in: usize) -> Conv2d {
        let (weight, bias) = self.active(c_in);
        Conv2d {
            weight: Param::from_tensor(weight.detach()),
            bias: bias.map(|b| Param::from_tensor(b.detach())),
            padding: self.conv.padding.clone(),
            ..self.conv.clone()
        }
    }

    /// Reorders the output channels, most important first, by the L1 norm of the weights
    /// `next` gives them, and permutes `next`'s input channels to match (the function at full
    /// width is unchanged).
    pub fn reorder_by_next(&mut self, next: &mut ElasticConv2d) {
        let full = self.conv.weight.dims()[0];
        let next_w = next.conv.weight.val();
        if next_w.dims()[1] != full {
            return;
        }
        // Per input channel of `next`: the sum over its outputs and kernel.
        let importance = next_w
            .abs()
            .sum_dim(0)
            .sum_dim(2)
            .sum_dim(3)
            .reshape([full]);
        let order: Tensor<1, Int> = importance.argsort_descending(0);
        super::linear::permute(&mut self.conv.weight, 0, order.clone());
        if let Some(bias) = &mut self.conv.bias {
            super::linear::permute(bias, 0, order.clone());
        }
        super::linear::permute(&mut next.conv.weight, 1, order);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig2d;
    use burn::tensor::Distribution;

    #[test]
    fn slices_exports_and_reorders_without_changing_the_function() {
        let device = Device::default();
        let h = ElasticHandle::new("w", &[2, 1]).unwrap();
        let cfg = || Conv2dConfig::new([2, 1], [3, 3]).with_padding(PaddingConfig2d::Same);
        let mut a = ElasticConv2d::new(cfg(), 3, h.clone(), &device).unwrap();
        let mut b = ElasticConv2d::fixed(Conv2dConfig::new([6, 4], [1, 1]), &device);
        let x = Tensor::<4>::random([2, 2, 5, 5], Distribution::Default, &device);
        let full = b.forward(a.forward(x.clone()));
        a.reorder_by_next(&mut b);
        let reordered = b.forward(a.forward(x.clone()));
        full.into_data()
            .assert_approx_eq::<f32>(&reordered.into_data(), Default::default());
        h.set(1).unwrap();
        let small = b.forward(a.forward(x.clone()));
        assert_eq!(small.dims(), [2, 4, 5, 5]);
        let plain = b.export_active(3).forward(a.export_active(2).forward(x));
        small
            .into_data()
            .assert_approx_eq::<f32>(&plain.into_data(), Default::default());
        assert_eq!(a.cost(&[2, 2, 5, 5]).macs, (2 * 5 * 5 * 3 * 2 * 9) as u64);
    }
}
