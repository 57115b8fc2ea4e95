//! [`MultiBranchLayer`]: `n` parallel slots on the same input, combined by sum or channel
//! concatenation (the multi-branch blocks of Inception-style and CTR networks).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, BranchMerge, CandidateSets, MultiBranchLayer};
//! let device = Device::default();
//! let layer = MultiBranchLayer::new(3, 4, 8, 1, BranchMerge::Concat);
//! let c = construct(layer, &CandidateSets::uniform(["NC3", "IDT"]), &device).unwrap();
//! assert_eq!(c.space.len(), 3);
//! assert_eq!(c.model.forward(Tensor::zeros([1, 4, 6, 6], &device)).dims(), [1, 24, 6, 6]);
//! ```

use crate::{Cost, Slot};
use burn::module::Module;
use burn::tensor::Tensor;

/// How the branches of a [`MultiBranchLayer`] are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchMerge {
    /// Element-wise sum (`c_out` channels).
    Sum,
    /// Concatenation along channels (`n · c_out` channels).
    Concat,
}

/// Parallel slots on one input.
#[derive(Module, Debug)]
pub struct MultiBranchLayer {
    branches: Vec<Slot>,
    #[module(skip)]
    merge: BranchMerge,
}

impl MultiBranchLayer {
    /// `n` branches, each a slot `c_in → c_out` at `stride`.
    pub fn new(n: usize, c_in: usize, c_out: usize, stride: usize, merge: BranchMerge) -> Self {
        Self {
            branches: (0..n).map(|_| Slot::new(c_in, c_out, stride)).collect(),
            merge,
        }
    }

    /// The branch slots, in the order their outputs are combined.
    pub fn branches(&self) -> &[Slot] {
        &self.branches
    }

    /// Runs every branch on `x` and merges the outputs.
    ///
    /// # Panics
    /// If the layer has no branch.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let outs: Vec<Tensor<4>> = self.branches.iter().map(|b| b.forward(x.clone())).collect();
        match self.merge {
            BranchMerge::Concat => Tensor::cat(outs, 1),
            BranchMerge::Sum => outs
                .into_iter()
                .reduce(|a, b| a + b)
                .expect("a multi-branch layer has at least one branch"),
        }
    }

    /// MACs of all branches and the merged output shape.
    pub fn cost(&self, input: &[usize]) -> Cost {
        let costs: Vec<Cost> = self.branches.iter().map(|b| b.cost(input)).collect();
        let mut output = costs.first().map(|c| c.output.clone()).unwrap_or_default();
        if self.merge == BranchMerge::Concat && !output.is_empty() {
            output[1] = costs.iter().map(|c| c.output[1]).sum();
        }
        Cost::merge(costs, output)
    }
}
