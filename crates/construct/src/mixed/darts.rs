//! `DARTSMixedOp` (DARTS, Liu et al. 2019): the softmax(α)-weighted sum of every candidate.

use super::mixed_op::{scalar_at, MixedOp};
use burn::tensor::{activation::softmax, Tensor};

/// Σᵢ softmax(α)ᵢ · opᵢ(x). `NIL` candidates are skipped: their output is zero, so the sum and
/// every gradient are unchanged.
pub(super) fn forward(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let Some(alpha) = op.handle().alpha_like(&x) else {
        return op.forward_current(x);
    };
    weighted_sum(op, x, softmax(alpha, 0))
}

/// Σᵢ wᵢ · opᵢ(x) over the non-`NIL` candidates (a `NIL`-only op returns its zeros).
pub(super) fn weighted_sum(op: &MixedOp, x: Tensor<4>, w: Tensor<1>) -> Tensor<4> {
    let names = op.handle().candidates();
    let mut sum: Option<Tensor<4>> = None;
    for (i, name) in names.iter().enumerate() {
        if crate::ops::is_zero_op(name) {
            continue;
        }
        let y = op.run(i, x.clone()) * scalar_at(&w, i);
        sum = Some(match sum {
            Some(s) => s + y,
            None => y,
        });
    }
    match sum {
        Some(s) => s,
        None => op.run(0, x),
    }
}
