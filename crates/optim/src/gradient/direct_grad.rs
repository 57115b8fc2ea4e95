//! `DirectGradOptim`: one-level search — α and the weights are updated from the same
//! training batch and the same backward pass (paper G.3: DARTS settings without unrolling).

use super::gradient_optim::{gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, ArchProblem, GradientOptim, Split};
use crate::{register_gradient_optim, OptimError};
use modnas_param_space::ParamSpace;

gradient_optim_args!(
    /// Arguments of [`DirectGradOptim`]; Adam on α as DARTS.
    DirectGradOptimArgs {}
);

/// The one-level gradient optimizer.
pub struct DirectGradOptim {
    adam: ArchAdam,
}

impl DirectGradOptim {
    /// A one-level optimizer for the tensor parameters of `space`.
    pub fn new(
        space: &ParamSpace,
        args: DirectGradOptimArgs,
        _seed: u64,
    ) -> Result<Self, OptimError> {
        require_tensor_params(space, "DirectGradOptim")?;
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::darts(), "DirectGradOptim")?);
        Ok(Self { adam })
    }
}

impl GradientOptim for DirectGradOptim {
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }

    fn one_level(&self) -> bool {
        true
    }

    /// Steps α along the training-batch gradient (estimators normally use [`apply`](Self::apply)
    /// with the weight step's own gradients instead).
    fn step(&mut self, problem: &mut dyn ArchProblem) -> Result<(), OptimError> {
        let grads = problem.arch_backward(Split::Train)?;
        self.adam.step(&problem.alphas(), grads);
        Ok(())
    }
}

register_gradient_optim!(
    /// one-level search: α and weights stepped on the same training batch
    "DirectGradOptim", |space, args: DirectGradOptimArgs, seed| {
        DirectGradOptim::new(space, args, seed)
    }
);
