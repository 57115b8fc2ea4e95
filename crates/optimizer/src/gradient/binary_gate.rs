//! `BinaryGateOptim` (ProxylessNAS-G, Cai et al., 2019): first-order updates of α through
//! two sampled paths with binary gates (`BinaryGateMixedOp`); Adam lr 6e-3, betas (0, 0.999),
//! no weight decay. The mixed operators rescale the sampled α after each update.

use super::base::{
    first_order_arch_grads, gradient_arch_optim, gradient_optim_args, require_tensor_params,
};
use super::{ArchAdam, ArchAdamArgs, ArchProblem, GradientOptim};
use crate::{register_optim, OptimError};
use burn::tensor::Tensor;
use modnas_param_space::{ParamSpace, TensorParam};

gradient_optim_args!(
    /// Arguments of [`BinaryGateOptim`]: only the α-Adam overrides.
    BinaryGateOptimArgs {}
);

/// The ProxylessNAS gradient optimizer.
pub struct BinaryGateOptim {
    adam: ArchAdam,
}

impl BinaryGateOptim {
    /// A ProxylessNAS optimizer for the tensor parameters of `space`.
    pub fn new(
        space: &ParamSpace,
        args: BinaryGateOptimArgs,
        _seed: u64,
    ) -> Result<Self, OptimError> {
        require_tensor_params(space, "BinaryGateOptim")?;
        let adam = ArchAdam::new(&args.adam(ArchAdamArgs::proxyless(), "BinaryGateOptim")?);
        Ok(Self { adam })
    }
}

impl GradientOptim for BinaryGateOptim {
    fn step(&mut self, problem: &mut dyn ArchProblem) -> Result<(), OptimError> {
        let grads = first_order_arch_grads(problem)?;
        self.adam.step(&problem.alphas(), grads);
        Ok(())
    }

    fn apply(&mut self, alphas: &[TensorParam], grads: Vec<Tensor<1>>) -> Result<(), OptimError> {
        self.adam.step(alphas, grads);
        Ok(())
    }
}

gradient_arch_optim!(BinaryGateOptim, "BinaryGateOptim");
register_optim!("BinaryGateOptim", new = BinaryGateOptim::new);
