//! `SNASOptim` (Xie et al., 2019): first-order updates of α through Gumbel-softmax weighted
//! sums (`GumbelSumMixedOp`), the temperature annealed exponentially:
//! τ(epoch) = `tau0` · exp(−`tau_rate` · epoch) (paper G.3: τ₀ = 5, rate 4.5e-2 per epoch).

use super::gradient_optim::{gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, GradientOptim};
use crate::{register_gradient_optim, OptimError};
use modnas_param_space::ParamSpace;

gradient_optim_args!(
    /// Arguments of [`SNASOptim`]; Adam on α as DARTS.
    SNASOptimArgs {
        /// Initial temperature (default 5).
        tau0: f64,
        /// Exponential annealing rate per epoch (default 0.045).
        tau_rate: f64,
    }
);

/// The SNAS architecture optimizer.
pub struct SNASOptim {
    tau0: f64,
    rate: f64,
    adam: ArchAdam,
}

impl SNASOptim {
    /// A SNAS optimizer for the tensor parameters of `space`.
    pub fn new(space: &ParamSpace, args: SNASOptimArgs, _seed: u64) -> Result<Self, OptimError> {
        require_tensor_params(space, "SNASOptim")?;
        let (tau0, rate) = (args.tau0.unwrap_or(5.0), args.tau_rate.unwrap_or(0.045));
        if !(tau0 > 0.0 && tau0.is_finite() && rate >= 0.0 && rate.is_finite()) {
            return Err(OptimError::InvalidArgs {
                optim: "SNASOptim".into(),
                reason: format!(
                    "`tau0` = {tau0} must be positive and `tau_rate` = {rate} non-negative"
                ),
            });
        }
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::darts(), "SNASOptim")?);
        Ok(Self { tau0, rate, adam })
    }
}

impl GradientOptim for SNASOptim {
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }

    fn temperature(&self, epoch: usize, _epochs: usize) -> Option<f64> {
        Some(self.tau0 * (-self.rate * epoch as f64).exp())
    }
}

register_gradient_optim!(
    /// SNAS (Xie et al. 2019): Gumbel-softmax relaxation, τ₀ = 5 decayed by exp(−0.045·epoch)
    "SNASOptim", |space, args: SNASOptimArgs, seed| SNASOptim::new(space, args, seed)
);
