//! [`ElasticLinear`]: Burn's `Linear` whose output width follows an [`ElasticHandle`], for
//! once-for-all training of a user's own model (a transformer's feed-forward width, an MLP's
//! hidden width). It holds the full weights and slices them in the forward pass: the output to
//! `unit × value` features, the input to whatever width the input has (the width of the
//! elastic layer before it), so elastic layers chain without a group. The construct routine
//! finds the handle and adds its parameter, whose update events set the width.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{ElasticHandle, ElasticLinear};
//! let device = Device::default();
//! let hidden = ElasticHandle::new("ffn", &[4, 2, 1]).unwrap();
//! let up = ElasticLinear::new(8, 16, hidden.clone(), &device).unwrap(); // 8 → 16·{4,2,1}
//! let down = ElasticLinear::fixed(64, 8, &device); // its input follows `up`
//! hidden.set(2).unwrap();
//! let y = down.forward(up.forward(Tensor::<2>::zeros([3, 8], &device)));
//! assert_eq!((up.width(), y.dims()), (32, [3, 8]));
//! let plain = up.export_active(8); // a burn::nn::Linear of 8 → 32
//! assert_eq!(plain.weight.dims(), [8, 32]);
//! ```

// Burn slices take one range per leading dimension: `[0..width]` is a slice, not a Vec.
#![allow(clippy::single_range_in_vec_init)]

use super::ElasticHandle;
use crate::layer_cost::LayerCost;
use crate::{ConstructError, Cost};
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::module::linear;
use burn::tensor::{Device, Int, Tensor};

/// A linear layer elastic in its output width (and following its input's width).
#[derive(Module, Debug)]
pub struct ElasticLinear {
    linear: Linear,
    /// `None`: a fixed output width (the input may still be elastic).
    handle: Option<ElasticHandle>,
    #[module(skip)]
    unit: usize,
}

impl ElasticLinear {
    /// `d_in → unit × handle` features, the full weights sized for the handle's largest value.
    pub fn new(
        d_in: usize,
        unit: usize,
        handle: ElasticHandle,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        if d_in == 0 || unit == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "an elastic linear layer needs positive sizes, got d_in {d_in}, unit {unit}"
            )));
        }
        let d_out = unit * handle.max() as usize;
        Ok(Self {
            linear: LinearConfig::new(d_in, d_out).init(device),
            handle: Some(handle),
            unit,
        })
    }

    /// A layer of fixed output width `d_out` whose input may be elastic: it takes the first
    /// columns of its weights that the input's width needs.
    pub fn fixed(d_in: usize, d_out: usize, device: &Device) -> Self {
        Self {
            linear: LinearConfig::new(d_in, d_out).init(device),
            handle: None,
            unit: d_out,
        }
    }

    /// The full layer, all units.
    pub fn full(&self) -> &Linear {
        &self.linear
    }

    /// The handle that sets the width (`None` for a fixed width).
    pub fn handle(&self) -> Option<&ElasticHandle> {
        self.handle.as_ref()
    }

    /// The active output width.
    pub fn width(&self) -> usize {
        let [_, full] = self.linear.weight.dims();
        let value = self.handle.as_ref().map_or(1, |h| h.get().max(0) as usize);
        (self.unit * value).min(full)
    }

    /// The full weights and bias sliced to `d_in` inputs and the active outputs.
    fn active(&self, d_in: usize) -> (Tensor<2>, Option<Tensor<1>>) {
        let width = self.width();
        let weight = self.linear.weight.val().slice([0..d_in, 0..width]);
        let bias = self.linear.bias.as_ref().map(|b| b.val().slice([0..width]));
        (weight, bias)
    }

    /// `[.., d]` → `[.., width]`, `d` at most the layer's full input width.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let (weight, bias) = self.active(x.dims()[D - 1]);
        linear(x, weight, bias)
    }

    /// The cost of the active layer on `input` (`[.., d]`).
    pub fn cost(&self, input: &[usize]) -> Cost {
        self.export_active(input.last().copied().unwrap_or(0))
            .layer_cost(input)
    }

    /// The active layer alone for `d_in` inputs, as a Burn `Linear` with copies of the
    /// inherited weights (OFA's sub-network export).
    pub fn export_active(&self, d_in: usize) -> Linear {
        let (weight, bias) = self.active(d_in);
        Linear {
            weight: Param::from_tensor(weight.detach()),
            bias: bias.map(|b| Param::from_tensor(b.detach())),
        }
    }

    /// Reorders this layer's output units, most important first, by the L1 norm of the
    /// weights that `next` (the layer consuming them) gives them, and permutes `next`'s input
    /// rows to match: the function at full width is unchanged, and a smaller width then keeps
    /// the units that matter most. Optimizer moments are not permuted, so reorder at phase
    /// boundaries, as OFA does.
    pub fn reorder_by_next(&mut self, next: &mut ElasticLinear) {
        let [_, full] = self.linear.weight.dims();
        let next_w = next.linear.weight.val();
        let [rows, _] = next_w.dims();
        if rows != full {
            return;
        }
        let importance = next_w.abs().sum_dim(1).reshape([full]);
        let order: Tensor<1, Int> = importance.argsort_descending(0);
        permute(&mut self.linear.weight, 1, order.clone());
        if let Some(bias) = &mut self.linear.bias {
            permute(bias, 0, order.clone());
        }
        permute(&mut next.linear.weight, 0, order);
    }
}

/// Reorders `param` along `dim` by `order`, keeping its id and whether it is trained.
pub(super) fn permute<const D: usize>(
    param: &mut Param<Tensor<D>>,
    dim: usize,
    order: Tensor<1, Int>,
) {
    *param = param.clone().map(move |t| {
        let grad = t.is_require_grad();
        t.select(dim, order).detach().set_require_grad(grad)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_width_follows_the_handle_and_the_export_computes_the_same() {
        let device = Device::default();
        let h = ElasticHandle::new("w", &[3, 1]).unwrap();
        let up = ElasticLinear::new(4, 2, h.clone(), &device).unwrap();
        let down = ElasticLinear::fixed(6, 5, &device);
        let x = Tensor::<2>::random([3, 4], burn::tensor::Distribution::Default, &device);
        assert_eq!(up.forward(x.clone()).dims(), [3, 6]);
        h.set(1).unwrap();
        let y = down.forward(up.forward(x.clone()));
        assert_eq!(y.dims(), [3, 5]);
        let plain = down
            .export_active(2)
            .forward(up.export_active(4).forward(x));
        y.into_data()
            .assert_approx_eq::<f32>(&plain.into_data(), Default::default());
        assert_eq!(up.cost(&[3, 4]).macs, 3 * 4 * 2);
    }

    #[test]
    fn reordering_keeps_the_function_at_full_width() {
        let device = Device::default();
        let h = ElasticHandle::new("w", &[4, 2]).unwrap();
        let mut up = ElasticLinear::new(3, 2, h, &device).unwrap();
        let mut down = ElasticLinear::fixed(8, 2, &device);
        let x = Tensor::<2>::random([5, 3], burn::tensor::Distribution::Default, &device);
        let before = down.forward(up.forward(x.clone()));
        let w_before = up.linear.weight.val().into_data();
        up.reorder_by_next(&mut down);
        assert_ne!(
            up.linear.weight.val().into_data(),
            w_before,
            "the order changed"
        );
        let after = down.forward(up.forward(x));
        before
            .into_data()
            .assert_approx_eq::<f32>(&after.into_data(), Default::default());
    }
}
