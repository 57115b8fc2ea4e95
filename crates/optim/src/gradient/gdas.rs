//! `GDASOptim` (Dong & Yang, 2019): first-order updates of α through one Gumbel-max sampled
//! path (`GumbelMaxMixedOp`), with the temperature annealed linearly from `tau_max` to
//! `tau_min` over the search epochs.

use super::gradient_optim::{gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, GradientOptim};
use crate::{register_gradient_optim, OptimError};
use modnas_param_space::ParamSpace;

gradient_optim_args!(
    /// Arguments of [`GDASOptim`]; Adam on α as DARTS.
    GDASOptimArgs {
        /// Temperature of the first epoch (default 10).
        tau_max: f64,
        /// Temperature of the last epoch (default 0.1).
        tau_min: f64,
    }
);

/// The GDAS architecture optimizer.
pub struct GDASOptim {
    tau: (f64, f64),
    adam: ArchAdam,
}

impl GDASOptim {
    /// A GDAS optimizer for the tensor parameters of `space`.
    pub fn new(space: &ParamSpace, args: GDASOptimArgs, _seed: u64) -> Result<Self, OptimError> {
        require_tensor_params(space, "GDASOptim")?;
        let tau = (args.tau_max.unwrap_or(10.0), args.tau_min.unwrap_or(0.1));
        if !(tau.0 > 0.0 && tau.1 > 0.0 && tau.0.is_finite() && tau.1.is_finite()) {
            return Err(OptimError::InvalidArgs {
                optim: "GDASOptim".into(),
                reason: format!(
                    "`tau_max` = {}, `tau_min` = {} must be positive",
                    tau.0, tau.1
                ),
            });
        }
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::darts(), "GDASOptim")?);
        Ok(Self { tau, adam })
    }
}

impl GradientOptim for GDASOptim {
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }

    fn temperature(&self, epoch: usize, epochs: usize) -> Option<f64> {
        let t = if epochs > 1 {
            epoch.min(epochs - 1) as f64 / (epochs - 1) as f64
        } else {
            0.0
        };
        Some(self.tau.0 - (self.tau.0 - self.tau.1) * t)
    }
}

register_gradient_optim!(
    /// GDAS (Dong & Yang 2019): one Gumbel-max path per step, τ annealed from 10 to 0.1
    "GDASOptim", |space, args: GDASOptimArgs, seed| GDASOptim::new(space, args, seed)
);
