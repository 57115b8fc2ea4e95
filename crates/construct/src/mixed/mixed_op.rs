//! [`MixedOp`]: a slot entity holding every candidate of the slot and combining them by its
//! [`MixedKind`] — the supernet building block of weight-sharing NAS.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, MixedHandle, MixedKind, MixedOp, NasModule, SlotSpec};
//! use modnas_param_space::TensorParam;
//! let device = Device::default().autodiff();
//! let spec = SlotSpec::new(4, 4, 1);
//! let names = ["IDT", "NIL", "AVG"];
//! let cands = names.iter().map(|n| build_candidate(n, &spec, &device)).collect::<Result<Vec<_>, _>>().unwrap();
//! let alpha = TensorParam::zeros(3, &device);
//! let handle = MixedHandle::new(MixedKind::Weighted, names.map(String::from).to_vec(), Some(alpha.clone()), "e0");
//! let op = MixedOp::new(cands, handle);
//! let y = op.forward(Tensor::ones([1, 4, 6, 6], &device));
//! let grads = y.sum().backward();
//! assert!(alpha.value().grad(&grads).is_some());
//! ```

use super::{binary_gate, darts, dirichlet, gumbel, MixedForwardFn, MixedHandle, MixedKind};
use crate::{CandidateBox, Cost, NasModule};
use burn::module::Module;
use burn::tensor::Tensor;

/// A mixed operator: every candidate of a slot, combined by its forward pass (by default the
/// rule of the handle's kind, [`kind_forward`]).
#[derive(Module, Debug)]
pub struct MixedOp {
    candidates: Vec<CandidateBox>,
    #[module(skip)]
    handle: MixedHandle,
    #[module(skip)]
    combine: MixedForwardFn,
}

impl MixedOp {
    /// A mixed operator over `candidates` (in the handle's α order), combined by the rule of
    /// the handle's kind.
    pub fn new(candidates: Vec<CandidateBox>, handle: MixedHandle) -> Self {
        Self {
            candidates,
            handle,
            combine: kind_forward,
        }
    }

    /// The same operator with `forward` as its forward pass (a registered mixed operator's).
    pub fn with_forward(self, forward: MixedForwardFn) -> Self {
        Self {
            combine: forward,
            ..self
        }
    }

    /// The shared control.
    pub fn handle(&self) -> &MixedHandle {
        &self.handle
    }

    /// Every candidate of the slot, in the handle's α order.
    pub fn candidates(&self) -> &[CandidateBox] {
        &self.candidates
    }

    /// The candidate the operator stands for now: the active path for single-path kinds,
    /// the largest weight otherwise.
    pub fn current(&self) -> usize {
        match self.handle.kind() {
            MixedKind::Index => self.handle.active().first().copied().unwrap_or(0),
            _ => self.handle.argmax(),
        }
    }

    /// Candidate `i` on `x`.
    pub fn run(&self, i: usize, x: Tensor<4>) -> Tensor<4> {
        self.candidates[i].forward(x)
    }

    /// Forward through the candidate the operator stands for (inference of the exported
    /// choice, and the single-path kinds).
    pub fn forward_current(&self, x: Tensor<4>) -> Tensor<4> {
        let i = self.current().min(self.candidates.len() - 1);
        self.run(i, x)
    }
}

impl NasModule for MixedOp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        (self.combine)(self, x)
    }

    /// The cost of the candidate the operator stands for ([`current`](Self::current)).
    fn cost(&self, input: &[usize]) -> Cost {
        self.candidates[self.current()].cost(input)
    }
}

/// The forward pass of `op` by the rule of its handle's kind: the weighted sum of DARTS, the
/// Gumbel sum or sample of SNAS and GDAS, ProxylessNAS's gates, the active path, or DrNAS's
/// Dirichlet sample.
pub fn kind_forward(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    match op.handle.kind() {
        MixedKind::Weighted => darts::forward(op, x),
        MixedKind::GumbelSum => gumbel::forward_sum(op, x),
        MixedKind::GumbelMax => gumbel::forward_max(op, x),
        MixedKind::BinaryGate | MixedKind::BinaryGateUniform => binary_gate::forward(op, x),
        MixedKind::Index => op.forward_current(x),
        MixedKind::Dirichlet => dirichlet::forward(op, x),
    }
}

/// Weights broadcast over `[batch, channels, height, width]`: `w[i]` as a `[1, 1, 1, 1]` tensor.
pub(super) fn scalar_at(w: &Tensor<1>, i: usize) -> Tensor<4> {
    w.clone().slice(i..i + 1).reshape([1, 1, 1, 1])
}
