//! [`NasModule`]: a Burn module with a forward pass and an analytic cost.

use burn::module::Module;

/// Multiply-accumulates and memory traffic of one forward pass, and the shape it produces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Multiply-accumulate operations (the "FLOPs" NAS papers report).
    pub macs: u64,
    /// Bytes read and written (f32) by the convolutions, pooling and linear layers: their
    /// inputs, weights and outputs. Element-wise layers (batch norm, ReLU) count as fused into
    /// the layer before them.
    pub mem: u64,
    /// Output shape for the given input shape.
    pub output: Vec<usize>,
}

/// Bytes of `elements` f32 values.
pub fn f32_bytes(elements: usize) -> u64 {
    4 * elements as u64
}

impl Cost {
    /// A cost of `macs` producing `output`, with no memory traffic.
    pub fn new(macs: u64, output: Vec<usize>) -> Self {
        Self {
            macs,
            mem: 0,
            output,
        }
    }

    /// The same cost with `mem` bytes of memory traffic.
    pub fn with_mem(mut self, mem: u64) -> Self {
        self.mem = mem;
        self
    }

    /// Chains `next` after `self`: MACs and memory add, the output is `next`'s.
    pub fn then(self, next: Cost) -> Cost {
        Cost {
            macs: self.macs + next.macs,
            mem: self.mem + next.mem,
            output: next.output,
        }
    }

    /// Parts that run side by side (branches, cell edges): MACs and memory add, the output is
    /// `output`.
    pub fn merge(parts: impl IntoIterator<Item = Cost>, output: Vec<usize>) -> Cost {
        parts.into_iter().fold(Cost::new(0, output), |acc, c| Cost {
            macs: acc.macs + c.macs,
            mem: acc.mem + c.mem,
            output: acc.output,
        })
    }
}

/// The field name of training-only heads (DARTS's auxiliary classifier): modules under a field
/// of this name are left out of the deployed network's metrics, as DARTS reports its sizes.
pub const AUXILIARY_FIELD: &str = "auxiliary";

/// A Burn module that modnas can box: the candidates of slots and the searchable networks.
///
/// Implement it next to `#[derive(Module)]`; the framework erases the type behind
/// [`DynModule`](crate::DynModule) so that any registered module can fill any slot.
pub trait NasModule: Module + std::fmt::Display + Sync + 'static {
    /// Forward input.
    type Input: 'static;
    /// Forward output.
    type Output: 'static;
    /// The forward pass.
    fn forward(&self, x: Self::Input) -> Self::Output;
    /// Multiply-accumulates and output shape for an input of shape `input`.
    fn cost(&self, input: &[usize]) -> Cost;
    /// The forward pass with the outputs of auxiliary heads (DARTS's auxiliary classifier),
    /// which trainers add to the loss. Auxiliary heads run in training (autodiff) only; the
    /// default has none.
    fn forward_aux(&self, x: Self::Input) -> (Self::Output, Option<Self::Output>) {
        (self.forward(x), None)
    }
    /// Training progress in `[0, 1]`, set by trainers at the start of every epoch, for
    /// schedules inside the model (DARTS raises drop-path linearly with it). The default
    /// ignores it.
    fn set_progress(&mut self, _progress: f64) {}
    /// Reorders the hidden channels of every elastic group, most important first
    /// ([`ElasticSpatialGroup::reorder`](crate::ElasticSpatialGroup::reorder)); progressive
    /// shrinking calls it when a stage starts. The default has no elastic groups.
    fn reorder_channels(&mut self, _by: crate::ChannelOrder) {}
    /// The active sub-network as a standalone module (OFA's `get_active_subnet`): elastic
    /// groups keep only their active channels and blocks, with the inherited weights copied,
    /// and their handles allow only the active value. `None` (the default) when the module
    /// has nothing elastic; callers then keep a copy of the module as it is.
    fn export_active(&self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}
