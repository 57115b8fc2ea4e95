//! `GumbelSumMixedOp` (SNAS, Xie et al. 2019) and `GumbelMaxMixedOp` (GDAS, Dong & Yang 2019):
//! Gumbel-softmax relaxations of a categorical choice with temperature τ.

use super::darts::weighted_sum;
use super::mixed_op::{scalar_at, MixedOp};
use burn::tensor::{activation::softmax, Distribution, Tensor, TensorData};

/// SNAS: Σᵢ softmax((α + g) / τ)ᵢ · opᵢ(x), with fresh Gumbel noise g drawn on the device;
/// without autodiff (evaluation) the noise is left out.
pub(super) fn forward_sum(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let Some(alpha) = op.handle().alpha_like(&x) else {
        return op.forward_current(x);
    };
    if !x.is_autodiff() {
        return weighted_sum(op, x, softmax(alpha, 0));
    }
    let n = alpha.dims()[0];
    let u = Tensor::<1>::random(
        [n],
        Distribution::Uniform(1e-6, 1.0 - 1e-6),
        &alpha.device(),
    );
    let g = u.log().neg().log().neg();
    let tau = op.handle().temperature();
    weighted_sum(op, x, softmax((alpha + g).div_scalar(tau), 0))
}

/// GDAS: runs only the sampled path k = argmax(α + g) (see
/// [`MixedHandle::resample_all`](super::MixedHandle::resample_all)) and scales it by the
/// straight-through weight `1 + p_k - stop_grad(p_k)`, p = softmax((α + g) / τ): the output
/// is exactly `op_k(x)` while α receives the gradient of p_k. Without autodiff, or before any
/// sample, the argmax of α runs.
pub(super) fn forward_max(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let noise = op.handle().noise();
    let alpha = op.handle().alpha_like(&x);
    let (Some(alpha), true) = (alpha, x.is_autodiff() && !noise.is_empty()) else {
        return op.forward_current(x);
    };
    let k = op.handle().active().first().copied().unwrap_or(0);
    let n = noise.len();
    let g = Tensor::<1>::from_data(TensorData::new(noise, [n]), &alpha.device());
    let p = softmax((alpha + g).div_scalar(op.handle().temperature()), 0);
    let pk = scalar_at(&p, k);
    let gate = (pk.clone() - pk.detach()).add_scalar(1.0);
    op.run(k, x) * gate
}
