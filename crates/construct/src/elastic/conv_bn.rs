//! [`ElasticConvBn`]: a convolution and its batch norm inside an elastic group, which slice
//! their full weights to the group's active width in the forward pass.

// Burn slices take one range per leading dimension: `[0..width]` is a slice, not a Vec.
#![allow(clippy::single_range_in_vec_init)]

use crate::kernels::{batch_norm_forward, batch_norm_train};
use crate::ops::batch_norm;
use crate::{f32_bytes, Cost};
use burn::module::{Module, Param, RunningState};
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::module::{batch_norm as bn_eval, conv2d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Int, Tensor};

/// How a layer touches the group's hidden map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElasticRole {
    /// Produces it: output channels are the hidden map.
    Expand,
    /// Filters it channel by channel (a depthwise convolution).
    Depthwise,
    /// Consumes it: input channels are the hidden map.
    Project,
}

/// A convolution (no bias) → batch norm → optional ReLU6, elastic in the hidden map.
#[derive(Module, Debug)]
pub struct ElasticConvBn {
    pub(super) weight: Param<Tensor<4>>,
    pub(super) bn: BatchNorm,
    #[module(skip)]
    pub(super) role: ElasticRole,
    #[module(skip)]
    pub(super) stride: usize,
    #[module(skip)]
    pub(super) act: bool,
}

impl ElasticConvBn {
    /// A `kernel`×`kernel` layer `c_in → c_out` (a depthwise one keeps `c_in`), He-initialised.
    pub fn new(
        role: ElasticRole,
        c_in: usize,
        c_out: usize,
        kernel: usize,
        stride: usize,
        act: bool,
        device: &Device,
    ) -> Self {
        let (c_out, per_group) = match role {
            ElasticRole::Depthwise => (c_in, 1),
            _ => (c_out, c_in),
        };
        let fan_in = (per_group * kernel * kernel) as f64;
        let init = Distribution::Normal(0.0, (2.0 / fan_in).sqrt());
        Self {
            weight: Param::from_tensor(Tensor::random(
                [c_out, per_group, kernel, kernel],
                init,
                device,
            )),
            bn: batch_norm(c_out, device),
            role,
            stride,
            act,
        }
    }

    /// The full weight, `[c_out, c_in / groups, k, k]`.
    pub fn weight(&self) -> &Param<Tensor<4>> {
        &self.weight
    }

    /// How the layer touches the hidden map.
    pub fn role(&self) -> ElasticRole {
        self.role
    }

    pub(super) fn kernel(&self) -> usize {
        self.weight.dims()[2]
    }

    /// The forward pass with the hidden map `width` channels wide.
    pub(super) fn forward(&self, x: Tensor<4>, width: usize) -> Tensor<4> {
        let w = self.weight.val();
        let [c_out, c_in, _, _] = w.dims();
        let (w, groups) = match self.role {
            ElasticRole::Expand => (w.slice([0..width]), 1),
            ElasticRole::Depthwise => (w.slice([0..width]), width),
            ElasticRole::Project => (w.slice([0..c_out, 0..width.min(c_in)]), 1),
        };
        let pad = self.kernel() / 2;
        let options = ConvOptions::new([self.stride; 2], [pad; 2], [1, 1], groups);
        let y = match self.role {
            ElasticRole::Depthwise => crate::kernels::depthwise_conv2d(x, w, options),
            _ => conv2d(x, w, None, options),
        };
        let y = match self.role {
            ElasticRole::Project => batch_norm_forward(&self.bn, y),
            _ => sliced_bn(&self.bn, y, width),
        };
        if self.act {
            relu(y).clamp_max(6.0)
        } else {
            y
        }
    }

    pub(super) fn out_channels(&self, width: usize) -> usize {
        match self.role {
            ElasticRole::Project => self.weight.dims()[0],
            _ => width,
        }
    }

    /// Trainable parameters at `width` (batch norm's γ and β; running statistics excluded).
    pub(super) fn active_params(&self, width: usize, c_in: usize) -> usize {
        let k2 = self.kernel() * self.kernel();
        let c_out = self.out_channels(width);
        let weights = match self.role {
            ElasticRole::Expand => c_out * c_in * k2,
            ElasticRole::Depthwise => width * k2,
            ElasticRole::Project => c_out * width * k2,
        };
        weights + 2 * c_out
    }

    pub(super) fn cost(&self, input: &[usize], width: usize) -> Cost {
        let (n, c_in, h, w) = (input[0], input[1], input[2], input[3]);
        let (pad, k) = (self.kernel() / 2, self.kernel());
        let ho = (h + 2 * pad - k) / self.stride + 1;
        let wo = (w + 2 * pad - k) / self.stride + 1;
        let c_out = self.out_channels(width);
        let per_out = match self.role {
            ElasticRole::Depthwise => k * k,
            _ => c_in * k * k,
        };
        let weights = c_out * per_out;
        let macs = (n * weights * ho * wo) as u64;
        let mem = f32_bytes(n * c_in * h * w + weights + n * c_out * ho * wo);
        Cost::new(macs, vec![n, c_out, ho, wo]).with_mem(mem)
    }

    /// A copy with only the first `width` channels of the hidden map.
    pub(super) fn active_copy(&self, width: usize) -> Self {
        let w = self.weight.val();
        let [c_out, c_in, _, _] = w.dims();
        // Sliced, then detached: a fresh leaf that can require a gradient.
        let w = match self.role {
            ElasticRole::Project => w.slice([0..c_out, 0..width.min(c_in)]),
            _ => w.slice([0..width]),
        }
        .detach();
        let bn = match self.role {
            ElasticRole::Project => copy_bn(&self.bn, c_out),
            _ => copy_bn(&self.bn, width),
        };
        Self {
            weight: Param::from_tensor(w),
            bn,
            role: self.role,
            stride: self.stride,
            act: self.act,
        }
    }

    /// Permutes the hidden map's channels by `order`.
    pub(super) fn permute(&mut self, order: &Tensor<1, Int>) {
        let dim = match self.role {
            ElasticRole::Project => 1,
            _ => 0,
        };
        self.weight = permute_param(self.weight.clone(), dim, order);
        if self.role != ElasticRole::Project {
            self.bn.gamma = permute_param(self.bn.gamma.clone(), 0, order);
            self.bn.beta = permute_param(self.bn.beta.clone(), 0, order);
            for stat in [&self.bn.running_mean, &self.bn.running_var] {
                let permuted = stat.value_sync().select(0, order.clone());
                stat.update(permuted);
                stat.value_sync();
            }
        }
    }
}

/// A batch norm of the first `c` channels of `bn`, with copies of their parameters and
/// running statistics.
fn copy_bn(bn: &BatchNorm, c: usize) -> BatchNorm {
    let device = bn.gamma.val().device();
    let mut copy = batch_norm(c, &device);
    copy.gamma = Param::from_tensor(bn.gamma.val().slice([0..c]).detach());
    copy.beta = Param::from_tensor(bn.beta.val().slice([0..c]).detach());
    copy.running_mean = RunningState::new(bn.running_mean.value_sync().slice([0..c]));
    copy.running_var = RunningState::new(bn.running_var.value_sync().slice([0..c]));
    copy.momentum = bn.momentum;
    copy.epsilon = bn.epsilon;
    copy
}

/// `param` with its entries along `dim` reordered, still a trainable leaf (a bare `select`
/// would make it a graph node that never gets a gradient).
fn permute_param<const D: usize>(
    param: Param<Tensor<D>>,
    dim: usize,
    order: &Tensor<1, Int>,
) -> Param<Tensor<D>> {
    let order = order.clone();
    param.map(move |t| {
        let grad = t.is_require_grad();
        t.select(dim, order).detach().set_require_grad(grad)
    })
}

/// Batch norm over the first `width` channels of `bn`: in training the running statistics of
/// those channels move, the others stay.
fn sliced_bn(bn: &BatchNorm, y: Tensor<4>, width: usize) -> Tensor<4> {
    if width == bn.gamma.dims()[0] {
        return batch_norm_forward(bn, y);
    }
    let gamma = bn.gamma.val().slice([0..width]);
    let beta = bn.beta.val().slice([0..width]);
    let device = y.device();
    if !(y.is_autodiff() && bn.training.is_enabled()) {
        let mean = bn.running_mean.value().to_device(&device).slice([0..width]);
        let var = bn.running_var.value().to_device(&device).slice([0..width]);
        return bn_eval(y, gamma, beta, mean, var, bn.epsilon);
    }
    let out = batch_norm_train(y, gamma, beta, bn.epsilon);
    let m = bn.momentum;
    for (stat, batch) in [
        (&bn.running_mean, out.mean.detach()),
        (&bn.running_var, out.variance.detach()),
    ] {
        let full = stat.value_sync().to_device(&device);
        let moved = full
            .clone()
            .slice([0..width])
            .mul_scalar(1.0 - m)
            .add(batch.mul_scalar(m));
        stat.update(full.slice_assign([0..width], moved).detach());
    }
    out.output
}
