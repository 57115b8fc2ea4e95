//! `DrNASOptim` (Chen et al., 2021): the architecture weights of each mixed operator are a
//! sample of Dir(elu(α) + 1) (`DirichletMixedOp`), and α follows the first-order gradient of
//! the validation loss plus `kl_weight` times the KL divergence of that Dirichlet from the
//! symmetric prior Dir(`prior`), which keeps the distribution from collapsing early. Sampling
//! and KL use the Laplace (logistic-normal) approximation of the Dirichlet.

use super::gradient_optim::{first_order_arch_grads, gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, ArchProblem, GradientOptim};
use crate::{register_gradient_optim, OptimError};
use modnas_kernels::{concentration, dirichlet_kl_to_prior};
use modnas_param_space::ParamSpace;

gradient_optim_args!(
    /// Arguments of [`DrNASOptim`]; Adam on α as DARTS.
    DrNASOptimArgs {
        /// Weight of the KL regulariser (default 1e-3).
        kl_weight: f64,
        /// Concentration of the symmetric prior (default 1).
        prior: f64,
    }
);

/// The DrNAS architecture optimizer.
pub struct DrNASOptim {
    kl_weight: f64,
    prior: f64,
    adam: ArchAdam,
}

impl DrNASOptim {
    /// A DrNAS optimizer for the tensor parameters of `space`.
    pub fn new(space: &ParamSpace, args: DrNASOptimArgs, _seed: u64) -> Result<Self, OptimError> {
        require_tensor_params(space, "DrNASOptim")?;
        let (kl_weight, prior) = (args.kl_weight.unwrap_or(1e-3), args.prior.unwrap_or(1.0));
        if !(kl_weight >= 0.0 && kl_weight.is_finite() && prior > 0.0 && prior.is_finite()) {
            return Err(OptimError::InvalidArgs {
                optim: "DrNASOptim".into(),
                reason: format!(
                    "`kl_weight` = {kl_weight} must be 0 or more and `prior` = {prior} positive"
                ),
            });
        }
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::darts(), "DrNASOptim")?);
        Ok(Self {
            kl_weight,
            prior,
            adam,
        })
    }
}

impl GradientOptim for DrNASOptim {
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }

    fn step(&mut self, problem: &mut dyn ArchProblem) -> Result<(), OptimError> {
        let mut grads = first_order_arch_grads(problem)?;
        let alphas = problem.alphas();
        if self.kl_weight > 0.0 {
            // The regulariser depends on α alone: its gradient adds to the loss's.
            for (g, a) in grads.iter_mut().zip(&alphas) {
                let v = a.value();
                let kl = dirichlet_kl_to_prior(concentration(v.clone()), self.prior)
                    .mul_scalar(self.kl_weight);
                let mut kl_grads = kl.backward();
                if let Some(kg) = v.grad_remove(&mut kl_grads) {
                    *g = g.clone() + kg;
                }
            }
        }
        self.adam.step(&alphas, grads);
        Ok(())
    }
}

register_gradient_optim!(
    /// DrNAS (Chen et al. 2021): Dirichlet concentrations as α with a KL regulariser
    "DrNASOptim", |space, args: DrNASOptimArgs, seed| DrNASOptim::new(space, args, seed)
);
