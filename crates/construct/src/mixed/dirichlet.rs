//! `DirichletMixedOp` (DrNAS, Chen et al. 2021): the candidate weights are a sample of a
//! Dirichlet distribution whose concentration is β = elu(α) + 1. The sample is drawn with
//! the Laplace approximation of the Dirichlet in the softmax basis (a logistic normal:
//! Srivastava & Sutton, 2017), `w = softmax(μ + σ·ε)`, ε ~ N(0, 1), so it is differentiable
//! in α by reparameterisation:
//!
//! μₖ = ln βₖ − (1/K) Σⱼ ln βⱼ,  σₖ² = (1/βₖ)(1 − 2/K) + (1/K²) Σⱼ 1/βⱼ.
//!
//! Without autodiff (evaluation) the weights are the Dirichlet's mean, β / Σβ.

use super::darts::weighted_sum;
use super::mixed_op::MixedOp;
use burn::tensor::activation::softmax;
use burn::tensor::{Distribution, Tensor};
use modnas_kernels::{concentration, laplace_moments};

/// Σᵢ wᵢ · opᵢ(x) with w a reparameterised sample of Dir(elu(α) + 1) in training, its mean
/// in evaluation.
pub(super) fn forward(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let Some(alpha) = op.handle().alpha_like(&x) else {
        return op.forward_current(x);
    };
    let beta = concentration(alpha);
    if !x.is_autodiff() {
        let total = beta.clone().sum().expand([beta.dims()[0]]);
        return weighted_sum(op, x, beta / total);
    }
    let (mu, var) = laplace_moments(beta);
    let eps = Tensor::<1>::random(mu.dims(), Distribution::Normal(0.0, 1.0), &mu.device());
    weighted_sum(op, x, softmax(mu + var.sqrt() * eps, 0))
}
