//! The Dirichlet view of architecture weights (DrNAS): the concentration β = elu(α) + 1 of a
//! tensor parameter α, the logistic-normal (Laplace) approximation of Dir(β) that DrNAS
//! samples from, and its KL divergence from a symmetric prior.

use burn::tensor::activation::elu;
use burn::tensor::Tensor;

/// The concentration β = elu(α) + 1 (positive for every α).
pub fn concentration(alpha: Tensor<1>) -> Tensor<1> {
    elu(alpha, 1.0).add_scalar(1.0)
}

/// The mean μ and variance σ² of the logistic-normal approximation of Dir(β).
pub fn laplace_moments(beta: Tensor<1>) -> (Tensor<1>, Tensor<1>) {
    let n = beta.dims()[0];
    let k = n as f64;
    let log_beta = beta.clone().log();
    let mu = log_beta.clone() - log_beta.mean().expand([n]);
    let inv = beta.recip();
    let var = inv.clone().mul_scalar(1.0 - 2.0 / k) + inv.sum().div_scalar(k * k).expand([n]);
    (mu, var)
}

/// KL divergence of the logistic-normal approximation of Dir(β) from that of the symmetric
/// prior Dir(prior, …, prior) (diagonal Gaussians in the softmax basis), as a one-element
/// tensor tracked through β.
pub fn dirichlet_kl_to_prior(beta: Tensor<1>, prior: f64) -> Tensor<1> {
    let n = beta.dims()[0];
    let k = n as f64;
    let (mu, var) = laplace_moments(beta);
    // The prior's μ is 0 and its σ² is (1/prior)(1 − 1/K) for every candidate.
    let var0 = (1.0 - 1.0 / k) / prior;
    let terms = var.clone().div_scalar(var0) + (mu.clone() * mu).div_scalar(var0) - var.log()
        + var0.ln()
        - 1.0;
    terms.sum().mul_scalar(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn t(v: &[f32]) -> Tensor<1> {
        Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &Device::default())
    }

    #[test]
    fn moments_and_divergence_of_the_laplace_approximation() {
        // Dir(1, 1, 1): μ = 0, σ² = (1 − 2/3) + 3/9 = 2/3.
        let (mu, var) = laplace_moments(t(&[1.0, 1.0, 1.0]));
        let mu: Vec<f32> = mu.into_data().try_to_vec_as().unwrap();
        let var: Vec<f32> = var.into_data().try_to_vec_as().unwrap();
        assert!(mu.iter().all(|m| m.abs() < 1e-6));
        assert!(var.iter().all(|v| (v - 2.0 / 3.0).abs() < 1e-6));
        // The prior has no divergence from itself; a peaked Dirichlet has some.
        let same = dirichlet_kl_to_prior(t(&[1.0, 1.0, 1.0]), 1.0).into_scalar::<f64>();
        let peaked = dirichlet_kl_to_prior(t(&[8.0, 1.0, 1.0]), 1.0).into_scalar::<f64>();
        assert!(same.abs() < 1e-6 && peaked > 0.1, "{same} {peaked}");
        // β = elu(α) + 1 is 1 at α = 0 and positive everywhere.
        let b: Vec<f32> = concentration(t(&[0.0, -5.0, 2.0]))
            .into_data()
            .try_to_vec_as()
            .unwrap();
        assert!((b[0] - 1.0).abs() < 1e-6 && b[1] > 0.0 && (b[2] - 3.0).abs() < 1e-6);
    }
}
