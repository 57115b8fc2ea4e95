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

use super::{ElasticConvBn, ElasticHandle, ElasticRole};
use crate::{ConstructError, Cost, NasModule};
use burn::module::Module;
use burn::tensor::{Device, Tensor};

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
