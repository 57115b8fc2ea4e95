//! `DARTSOptim` (Liu et al., 2019): α follows the gradient of the validation loss, to first
//! order (at the current weights) or to second order (after a virtual SGD step of the
//! weights, with a finite-difference Hessian-vector product).

use super::gradient_optim::{first_order_arch_grads, gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, ArchProblem, GradientOptim, Split};
use crate::{register_gradient_optim, OptimError};
use burn::tensor::Tensor;
use modnas_param_space::ParamSpace;

gradient_optim_args!(
    /// Arguments of [`DARTSOptim`]; Adam on α defaults to lr 3e-4, betas (0.5, 0.999),
    /// weight decay 1e-3.
    DARTSOptimArgs {
        /// 1 (default): first-order approximation; 2: unrolled second-order gradient.
        order: u8,
    }
);

/// The DARTS architecture optimizer.
pub struct DARTSOptim {
    second_order: bool,
    adam: ArchAdam,
}

impl DARTSOptim {
    /// A DARTS optimizer for the tensor parameters of `space`.
    pub fn new(space: &ParamSpace, args: DARTSOptimArgs, _seed: u64) -> Result<Self, OptimError> {
        require_tensor_params(space, "DARTSOptim")?;
        let order = args.order.unwrap_or(1);
        if !(1..=2).contains(&order) {
            return Err(OptimError::InvalidArgs {
                optim: "DARTSOptim".into(),
                reason: format!("`order` = {order}; allowed: 1, 2"),
            });
        }
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::darts(), "DARTSOptim")?);
        Ok(Self {
            second_order: order == 2,
            adam,
        })
    }

    /// The architecture gradient DARTS steps along, without stepping.
    pub fn arch_gradient(
        &self,
        problem: &mut dyn ArchProblem,
    ) -> Result<Vec<Tensor<1>>, OptimError> {
        if self.second_order {
            second_order_arch_grads(problem)
        } else {
            first_order_arch_grads(problem)
        }
    }
}

/// DARTS's unrolled gradient: with w′ = w − ξ(∇w L_train + λw), ξ the weight learning rate,
/// returns ∇α L_valid(w′, α) − ξ · [∇α L_train(w⁺, α) − ∇α L_train(w⁻, α)] / 2ε, where
/// w± = w ± ε ∇w′ L_valid(w′, α) and ε = 0.01 / ‖∇w′ L_valid‖. The weights end as they began.
pub(crate) fn second_order_arch_grads(
    problem: &mut dyn ArchProblem,
) -> Result<Vec<Tensor<1>>, OptimError> {
    let (xi, decay) = (problem.weight_lr(), problem.weight_decay());
    let train = problem.backward(Split::Train)?;
    problem.save_weights();
    problem.shift_weights(&train.weights, -xi, decay);
    let valid = problem.backward(Split::Valid);
    problem.restore_weights();
    let valid = valid?;
    let norm = problem.grad_sq_norm(&valid.weights).sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Ok(valid.arch);
    }
    let eps = 0.01 / norm;
    let mut at = |sign: f64| -> Result<Vec<Tensor<1>>, OptimError> {
        problem.shift_weights(&valid.weights, sign * eps, 0.0);
        let grads = problem.arch_backward(Split::Train);
        problem.restore_weights();
        grads
    };
    let pos = at(1.0)?;
    let neg = at(-1.0)?;
    let c = xi / (2.0 * eps);
    Ok(valid
        .arch
        .into_iter()
        .zip(pos.into_iter().zip(neg))
        .map(|(v, (p, n))| v - (p - n) * c)
        .collect())
}

impl GradientOptim for DARTSOptim {
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }

    fn step(&mut self, problem: &mut dyn ArchProblem) -> Result<(), OptimError> {
        let grads = self.arch_gradient(problem)?;
        self.adam.step(&problem.alphas(), grads);
        Ok(())
    }
}

register_gradient_optim!(
    /// DARTS (Liu et al. 2019): α by Adam on the validation loss, first or second order; Adam lr
    /// 3e-4, betas (0.5, 0.999), weight decay 1e-3
    "DARTSOptim", |space, args: DARTSOptimArgs, seed| DARTSOptim::new(space, args, seed)
);
