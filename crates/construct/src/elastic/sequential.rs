//! [`ElasticSequentialGroup`]: a run of blocks of which only the first `d` run, `d` set
//! through an [`ElasticHandle`] (OFA's elastic depth); the skipped blocks act as identities
//! and get no gradient.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, ElasticHandle, ElasticSequentialGroup, SlotSpec};
//! let device = Device::default();
//! let depth = ElasticHandle::new("depth", &[3, 2, 1]).unwrap();
//! let blocks = (0..3)
//!     .map(|_| build_candidate("NC3", &SlotSpec::new(4, 4, 1), &device))
//!     .collect::<Result<Vec<_>, _>>()
//!     .unwrap();
//! let stage = ElasticSequentialGroup::new(blocks, depth.clone()).unwrap();
//! depth.set(2).unwrap();
//! assert_eq!(stage.active_depth(), 2);
//! assert_eq!(stage.forward(Tensor::zeros([1, 4, 5, 5], &device)).dims(), [1, 4, 5, 5]);
//! ```

use super::ElasticHandle;
use crate::{CandidateBox, ConstructError, Cost};
use burn::module::Module;
use burn::tensor::Tensor;

/// Blocks run up to an elastic depth.
#[derive(Module, Debug)]
pub struct ElasticSequentialGroup {
    blocks: Vec<CandidateBox>,
    handle: ElasticHandle,
}

impl ElasticSequentialGroup {
    /// `blocks` whose active depth is the handle's value (at most the number of blocks).
    pub fn new(blocks: Vec<CandidateBox>, handle: ElasticHandle) -> Result<Self, ConstructError> {
        if handle.max() as usize > blocks.len() {
            return Err(ConstructError::InvalidSpec(format!(
                "elastic depth `{}` reaches {} but the group has {} blocks",
                handle.param(),
                handle.max(),
                blocks.len()
            )));
        }
        Ok(Self { blocks, handle })
    }

    /// Every block, active or not, in the order they run.
    pub fn blocks(&self) -> &[CandidateBox] {
        &self.blocks
    }

    /// The handle that sets the depth.
    pub fn handle(&self) -> &ElasticHandle {
        &self.handle
    }

    /// How many blocks run.
    pub fn active_depth(&self) -> usize {
        (self.handle.get().max(0) as usize).min(self.blocks.len())
    }

    /// The first [`active_depth`](Self::active_depth) blocks, in order.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.blocks
            .iter()
            .take(self.active_depth())
            .fold(x, |x, b| b.forward(x))
    }

    /// The active blocks alone, each exported (see
    /// [`DynModule::export_active`](crate::DynModule::export_active)), with a handle that
    /// allows only the active depth.
    pub fn export_active(&self) -> Self {
        let depth = self.active_depth();
        Self {
            blocks: self.blocks[..depth]
                .iter()
                .map(|b| b.export_active())
                .collect(),
            handle: ElasticHandle::fixed(self.handle.param(), depth as i64),
        }
    }

    /// Reorders the channels of every block's elastic groups.
    pub fn reorder_channels(&mut self, by: crate::ChannelOrder) {
        for b in &mut self.blocks {
            b.reorder_channels(by);
        }
    }

    /// Cost of the active blocks.
    pub fn cost(&self, input: &[usize]) -> Cost {
        self.blocks
            .iter()
            .take(self.active_depth())
            .fold(Cost::new(0, input.to_vec()), |acc, b| {
                let next = b.cost(&acc.output);
                acc.then(next)
            })
    }
}
