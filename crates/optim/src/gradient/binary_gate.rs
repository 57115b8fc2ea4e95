//! `BinaryGateOptim` (ProxylessNAS-G, Cai et al., 2019): first-order updates of α through
//! two sampled paths with binary gates (`BinaryGateMixedOp`); Adam lr 6e-3, betas (0, 0.999),
//! no weight decay. The mixed operators rescale the sampled α after each update.

use super::gradient_optim::{gradient_optim_args, require_tensor_params};
use super::{ArchAdam, ArchAdamArgs, GradientOptim};
use crate::{register_gradient_optim, OptimError};
use modnas_param_space::ParamSpace;

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
    fn arch_adam(&mut self) -> &mut ArchAdam {
        &mut self.adam
    }
}

register_gradient_optim!(
    /// ProxylessNAS: binary gates on two sampled paths; Adam lr 6e-3, betas (0, 0.999)
    "BinaryGateOptim", |space, args: BinaryGateOptimArgs, seed| {
        BinaryGateOptim::new(space, args, seed)
    }
);
