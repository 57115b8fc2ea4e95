//! `BinaryGateMixedOp` and `BinaryGateUniformMixedOp` (ProxylessNAS, Cai et al. 2019): two
//! sampled paths run; a binary gate opens one of them.

use super::mixed_op::{scalar_at, MixedOp};
use burn::tensor::{activation::softmax, Int, Tensor, TensorData};

/// Runs the two paths sampled by
/// [`MixedHandle::resample_all`](super::MixedHandle::resample_all) (the first is open).
/// Each path k is scaled by `g_k + p_k - stop_grad(p_k)`, with g the binary gates and p the
/// softmax over the pair's α: the output equals the open path, and α receives ProxylessNAS's
/// gradient `Σ_j ∂L/∂g_j · p_j (δ_ij - p_i)`. Without autodiff the argmax of α runs.
pub(super) fn forward(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let active = op.handle().active();
    let alpha = op.handle().alpha_like(&x);
    let (Some(alpha), true) = (alpha, x.is_autodiff() && active.len() == 2) else {
        return op.forward_current(x);
    };
    let device = alpha.device();
    let idx = TensorData::new(active.iter().map(|&i| i as i64).collect::<Vec<_>>(), [2]);
    let pair = alpha.select(0, Tensor::<1, Int>::from_data(idx, &device));
    let p = softmax(pair, 0);
    let mut out: Option<Tensor<4>> = None;
    for (j, &k) in active.iter().enumerate() {
        let pj = scalar_at(&p, j);
        let gate = (pj.clone() - pj.detach()).add_scalar(if j == 0 { 1.0 } else { 0.0 });
        let y = op.run(k, x.clone()) * gate;
        out = Some(match out {
            Some(o) => o + y,
            None => y,
        });
    }
    out.unwrap_or_else(|| op.forward_current(x))
}
