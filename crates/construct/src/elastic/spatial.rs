//! [`ElasticSpatialGroup`]: one hidden feature map and the layers around it, run at an active
//! width set through an [`ElasticHandle`] (OFA's elastic width; paper, Appendix D). The layers
//! that produce the map (`Expand`: a convolution's output channels and its batch norm), filter
//! it (`Depthwise`) and consume it (`Project`: a convolution's input channels) slice their full
//! weights in the forward pass, so gradients flow into the shared weights and inactive channels
//! get zero gradient. [`reorder`](ElasticSpatialGroup::reorder) permutes the map's channels in
//! every member at once, which leaves the function unchanged at full width.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{ElasticHandle, ElasticSpatialGroup};
//! let device = Device::default();
//! let ratio = ElasticHandle::new("ratio", &[6, 3]).unwrap();
//! let block = ElasticSpatialGroup::inverted_residual(4, 4, 1, 3, ratio.clone(), &device).unwrap();
//! assert_eq!(block.width(), 24);
//! ratio.set(3).unwrap();
//! assert_eq!(block.hidden(Tensor::zeros([1, 4, 5, 5], &device)).dims(), [1, 12, 5, 5]);
//! assert_eq!(block.forward(Tensor::zeros([1, 4, 5, 5], &device)).dims(), [1, 4, 5, 5]);
//! ```

// Burn slices take one range per leading dimension: `[0..width]` is a slice, not a Vec.
#![allow(clippy::single_range_in_vec_init)]

use super::ElasticHandle;
use crate::kernels::{batch_norm_forward, batch_norm_train};
use crate::ops::batch_norm;
use crate::{f32_bytes, ConstructError, Cost, NasModule};
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
    weight: Param<Tensor<4>>,
    bn: BatchNorm,
    #[module(skip)]
    role: ElasticRole,
    #[module(skip)]
    stride: usize,
    #[module(skip)]
    act: bool,
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

    fn kernel(&self) -> usize {
        self.weight.dims()[2]
    }

    /// The forward pass with the hidden map `width` channels wide.
    fn forward(&self, x: Tensor<4>, width: usize) -> Tensor<4> {
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

    fn out_channels(&self, width: usize) -> usize {
        match self.role {
            ElasticRole::Project => self.weight.dims()[0],
            _ => width,
        }
    }

    /// Trainable parameters at `width` (batch norm's γ and β; running statistics excluded).
    fn active_params(&self, width: usize, c_in: usize) -> usize {
        let k2 = self.kernel() * self.kernel();
        let c_out = self.out_channels(width);
        let weights = match self.role {
            ElasticRole::Expand => c_out * c_in * k2,
            ElasticRole::Depthwise => width * k2,
            ElasticRole::Project => c_out * width * k2,
        };
        weights + 2 * c_out
    }

    fn cost(&self, input: &[usize], width: usize) -> Cost {
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
    fn active_copy(&self, width: usize) -> Self {
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
    fn permute(&mut self, order: &Tensor<1, Int>) {
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

/// How [`ElasticSpatialGroup::reorder`] ranks the hidden map's channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelOrder {
    /// By the L1 norm of the consuming (`Project`) layer's weights on each channel (OFA).
    L1,
    /// By |γ| of the producing layer's batch norm (network slimming).
    BnGamma,
}

/// A hidden feature map and the layers around it, elastic in the map's width.
#[derive(Module, Debug)]
pub struct ElasticSpatialGroup {
    layers: Vec<ElasticConvBn>,
    handle: ElasticHandle,
    #[module(skip)]
    unit: usize,
    #[module(skip)]
    residual: bool,
}

impl ElasticSpatialGroup {
    /// `layers` around a hidden map of `unit × value` channels, the value from `handle`. With
    /// `residual`, the input is added to the output (shapes must agree).
    pub fn new(
        layers: Vec<ElasticConvBn>,
        handle: ElasticHandle,
        unit: usize,
        residual: bool,
    ) -> Result<Self, ConstructError> {
        let full = unit * handle.max() as usize;
        for l in &layers {
            let [c_out, c_in, _, _] = l.weight.dims();
            let hidden = match l.role {
                ElasticRole::Project => c_in,
                _ => c_out,
            };
            if hidden != full {
                return Err(ConstructError::InvalidSpec(format!(
                    "a {:?} layer of `{}` has {hidden} hidden channels, not {full}",
                    l.role,
                    handle.param()
                )));
            }
        }
        Ok(Self {
            layers,
            handle,
            unit,
            residual,
        })
    }

    /// An inverted residual (MobileNetV2): 1×1 expand to `c_in × ratio`, `kernel`×`kernel`
    /// depthwise at `stride`, 1×1 project to `c_out`; the ratio is the handle's value, and the
    /// input is added where the shape allows.
    pub fn inverted_residual(
        c_in: usize,
        c_out: usize,
        stride: usize,
        kernel: usize,
        ratio: ElasticHandle,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let hidden = c_in * ratio.max() as usize;
        let layers = vec![
            ElasticConvBn::new(ElasticRole::Expand, c_in, hidden, 1, 1, true, device),
            ElasticConvBn::new(
                ElasticRole::Depthwise,
                hidden,
                hidden,
                kernel,
                stride,
                true,
                device,
            ),
            ElasticConvBn::new(ElasticRole::Project, hidden, c_out, 1, 1, false, device),
        ];
        Self::new(layers, ratio, c_in, stride == 1 && c_in == c_out)
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[ElasticConvBn] {
        &self.layers
    }

    /// The handle that sets the width.
    pub fn handle(&self) -> &ElasticHandle {
        &self.handle
    }

    /// The active width of the hidden map.
    pub fn width(&self) -> usize {
        self.unit * self.handle.get().max(1) as usize
    }

    /// The layers up to the hidden map's last producer (for tests and probes).
    pub fn hidden(&self, x: Tensor<4>) -> Tensor<4> {
        let width = self.width();
        self.layers
            .iter()
            .take_while(|l| l.role != ElasticRole::Project)
            .fold(x, |x, l| l.forward(x, width))
    }

    /// The forward pass at the active width.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let width = self.width();
        let y = self
            .layers
            .iter()
            .fold(x.clone(), |y, l| l.forward(y, width));
        if self.residual {
            y + x
        } else {
            y
        }
    }

    /// Trainable parameters of the active sub-network, for inputs of `c_in` channels.
    pub fn active_params(&self, c_in: usize) -> usize {
        let width = self.width();
        let mut c = c_in;
        let mut total = 0;
        for l in &self.layers {
            total += l.active_params(width, c);
            c = l.out_channels(width);
        }
        total
    }

    /// MACs and memory traffic at the active width.
    pub fn cost(&self, input: &[usize]) -> Cost {
        let width = self.width();
        self.layers
            .iter()
            .fold(Cost::new(0, input.to_vec()), |acc, l| {
                let next = l.cost(&acc.output, width);
                acc.then(next)
            })
    }

    /// The active sub-network alone: the layers cut to the active width, with copies of the
    /// inherited weights, and a handle that allows only the active value.
    pub fn export_active(&self) -> Self {
        let width = self.width();
        Self {
            layers: self.layers.iter().map(|l| l.active_copy(width)).collect(),
            handle: ElasticHandle::fixed(self.handle.param(), self.handle.get()),
            unit: self.unit,
            residual: self.residual,
        }
    }

    /// Reorders the hidden map's channels, most important first, in every member: the first
    /// `k` channels a smaller width keeps are then the most important ones. The function at
    /// full width is unchanged. Optimizer moments are not permuted, so reorder at phase
    /// boundaries (as OFA does).
    pub fn reorder(&mut self, by: ChannelOrder) {
        let importance = match by {
            ChannelOrder::L1 => self
                .layers
                .iter()
                .find(|l| l.role == ElasticRole::Project)
                .map(|l| {
                    let w = l.weight.val().abs();
                    let c = w.dims()[1];
                    w.sum_dim(0).sum_dim(2).sum_dim(3).reshape([c])
                }),
            ChannelOrder::BnGamma => self
                .layers
                .iter()
                .find(|l| l.role == ElasticRole::Expand)
                .or_else(|| self.layers.first())
                .map(|l| l.bn.gamma.val().abs()),
        };
        let Some(importance) = importance else {
            return;
        };
        let order = importance.argsort_descending(0);
        for l in &mut self.layers {
            l.permute(&order);
        }
    }
}

impl NasModule for ElasticSpatialGroup {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        ElasticSpatialGroup::forward(self, x)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        ElasticSpatialGroup::cost(self, input)
    }
    fn reorder_channels(&mut self, by: ChannelOrder) {
        self.reorder(by)
    }
    fn export_active(&self) -> Option<Self> {
        Some(ElasticSpatialGroup::export_active(self))
    }
}
