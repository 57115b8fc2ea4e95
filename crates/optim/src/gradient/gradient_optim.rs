//! The interface between gradient optimizers and the estimator that trains the supernet.

use crate::{ArchAdam, OptimError};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use modnas_param_space::TensorParam;

/// Which batch a loss is computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The current training batch (weights are fitted on it).
    Train,
    /// The current validation batch (α is fitted on it in bi-level search).
    Valid,
}

/// The result of one forward and backward pass.
pub struct Backward {
    /// Gradient of each α, in [`ArchProblem::alphas`] order (zeros where α got none).
    pub arch: Vec<Tensor<1>>,
    /// Gradients of the network weights (never of α).
    pub weights: GradientsParams,
    /// The loss, detached, on the device.
    pub loss: Tensor<1>,
}

/// What a gradient optimizer may ask of the supernet being searched: losses and gradients on
/// the current train/valid batches, and temporary moves of the weights (DARTS unrolling).
pub trait ArchProblem {
    /// The architecture parameters being optimised.
    fn alphas(&self) -> Vec<TensorParam>;
    /// Forward and backward of the loss on `split` at the current weights.
    fn backward(&mut self, split: Split) -> Result<Backward, OptimError>;
    /// The α gradients of [`backward`](Self::backward) alone; an implementation may skip
    /// the weight gradients (the supernet does).
    fn arch_backward(&mut self, split: Split) -> Result<Vec<Tensor<1>>, OptimError> {
        Ok(self.backward(split)?.arch)
    }
    /// `w ← w + scale · (g + decay · w)` for every weight with a gradient in `grads`.
    fn shift_weights(&mut self, grads: &GradientsParams, scale: f64, decay: f64);
    /// Squared L2 norm of `grads` over all weights (reads one number from the device).
    fn grad_sq_norm(&self, grads: &GradientsParams) -> f64;
    /// Remembers the current weights.
    fn save_weights(&mut self);
    /// Returns to the weights of the last [`save_weights`](Self::save_weights).
    fn restore_weights(&mut self);
    /// The weight optimizer's current learning rate (the DARTS virtual step uses it).
    fn weight_lr(&self) -> f64;
    /// The weight optimizer's weight decay.
    fn weight_decay(&self) -> f64;
}

/// An optimizer of the tensor parameters of a supernet (DARTS, GDAS, SNAS, ProxylessNAS).
/// Registered in the one optimizer registry with
/// [`register_gradient_optim!`](crate::register_gradient_optim), built as
/// [`SearchOptim::Gradient`](crate::SearchOptim::Gradient) for the supernet estimator.
pub trait GradientOptim: Send {
    /// The Adam optimizer that steps α.
    fn arch_adam(&mut self) -> &mut ArchAdam;

    /// True for one-level search: α is updated from the gradients of the weight step's
    /// own training batch, through [`apply`](Self::apply); false for bi-level search, where
    /// [`step`](Self::step) runs on the validation batch.
    fn one_level(&self) -> bool {
        false
    }

    /// The Gumbel temperature for `epoch` of `epochs` (None: this optimizer uses none).
    fn temperature(&self, _epoch: usize, _epochs: usize) -> Option<f64> {
        None
    }

    /// One bi-level architecture update; by default a first-order step along the gradient of
    /// the validation loss at the current weights.
    fn step(&mut self, problem: &mut dyn ArchProblem) -> Result<(), OptimError> {
        let grads = first_order_arch_grads(problem)?;
        self.arch_adam().step(&problem.alphas(), grads);
        Ok(())
    }

    /// Updates `alphas` from given gradients (one-level search).
    fn apply(&mut self, alphas: &[TensorParam], grads: Vec<Tensor<1>>) -> Result<(), OptimError> {
        self.arch_adam().step(alphas, grads);
        Ok(())
    }
}

/// Hyper-parameters of the Adam optimizer on α shared by the gradient optimizers.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchAdamArgs {
    /// Learning rate.
    pub lr: f64,
    /// Adam's (β₁, β₂).
    pub betas: [f64; 2],
    /// L2 weight decay on α.
    pub weight_decay: f64,
    /// Whether `lr` is the optimizer's default (no `lr` key was given), which a short run may
    /// raise ([`ArchAdam::fit_default_lr`](super::ArchAdam::fit_default_lr)).
    #[serde(skip)]
    pub lr_is_default: bool,
}

impl ArchAdamArgs {
    /// DARTS, GDAS and SNAS: lr 3e-4, betas (0.5, 0.999), weight decay 1e-3.
    pub fn darts() -> Self {
        Self {
            lr: 3e-4,
            betas: [0.5, 0.999],
            weight_decay: 1e-3,
            lr_is_default: true,
        }
    }

    /// ProxylessNAS: lr 6e-3, betas (0, 0.999), no weight decay.
    pub fn proxyless() -> Self {
        Self {
            lr: 6e-3,
            betas: [0.0, 0.999],
            weight_decay: 0.0,
            lr_is_default: true,
        }
    }

    pub(crate) fn check(&self, optim: &str) -> Result<(), OptimError> {
        let bad = |reason: String| OptimError::InvalidArgs {
            optim: optim.to_string(),
            reason,
        };
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(bad(format!("`lr` = {} must be a positive number", self.lr)));
        }
        if self.betas.iter().any(|b| !(0.0..1.0).contains(b)) {
            return Err(bad(format!(
                "`betas` = {:?} must lie in [0, 1)",
                self.betas
            )));
        }
        if self.weight_decay.is_nan() || self.weight_decay < 0.0 {
            return Err(bad(format!(
                "`weight_decay` = {} must be non-negative",
                self.weight_decay
            )));
        }
        Ok(())
    }
}

/// The message for using a gradient optimizer where discrete proposals are needed.
pub(crate) fn not_discrete(optim: &str) -> OptimError {
    OptimError::Unsupported(format!(
        "{optim} optimises the tensor parameters of a supernet and proposes no discrete \
         architectures: use it with SuperNetEstim"
    ))
}

/// Optional overrides of an optimizer's α-Adam defaults (`lr`, `betas`, `weight_decay` keys).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ArchAdamOverrides {
    /// Learning rate.
    pub lr: Option<f64>,
    /// Adam's (β₁, β₂).
    pub betas: Option<[f64; 2]>,
    /// L2 weight decay on α.
    pub weight_decay: Option<f64>,
}

impl ArchAdamOverrides {
    /// `defaults` with the given keys replaced, checked.
    pub fn resolve(&self, defaults: ArchAdamArgs, optim: &str) -> Result<ArchAdamArgs, OptimError> {
        let args = ArchAdamArgs {
            lr: self.lr.unwrap_or(defaults.lr),
            betas: self.betas.unwrap_or(defaults.betas),
            weight_decay: self.weight_decay.unwrap_or(defaults.weight_decay),
            lr_is_default: self.lr.is_none() && defaults.lr_is_default,
        };
        args.check(optim)?;
        Ok(args)
    }
}

/// Checks that `space` holds tensor parameters for a gradient optimizer to update.
pub(crate) fn require_tensor_params(
    space: &modnas_param_space::ParamSpace,
    optim: &str,
) -> Result<(), OptimError> {
    if !space.tensor_params().is_empty() {
        return Ok(());
    }
    Err(OptimError::UnsupportedSpace {
        optim: optim.to_string(),
        reason: "the space has no tensor parameters (α): set `construct.args.mixed_op` to a \
                 weighted or sampling mixed op such as DARTSMixedOp"
            .into(),
    })
}

/// Gradients of the validation loss with respect to α at the current weights (first order).
pub(crate) fn first_order_arch_grads(
    problem: &mut dyn ArchProblem,
) -> Result<Vec<Tensor<1>>, OptimError> {
    problem.arch_backward(Split::Valid)
}

/// Declares a gradient optimizer's argument struct: its own keys (all optional) plus the
/// α-Adam overrides `lr`, `betas` and `weight_decay`.
macro_rules! gradient_optim_args {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* #[serde(default)] pub $field: Option<$ty>,)*
            /// Adam learning rate on α (default: the optimizer's).
            #[serde(default)]
            pub lr: Option<f64>,
            /// Adam (β₁, β₂) on α.
            #[serde(default)]
            pub betas: Option<[f64; 2]>,
            /// L2 weight decay on α.
            #[serde(default)]
            pub weight_decay: Option<f64>,
        }

        impl $name {
            /// The α-Adam settings: `defaults` with the given keys replaced, checked.
            pub fn adam(
                &self,
                defaults: $crate::ArchAdamArgs,
                optim: &str,
            ) -> Result<$crate::ArchAdamArgs, $crate::OptimError> {
                $crate::ArchAdamOverrides {
                    lr: self.lr,
                    betas: self.betas,
                    weight_decay: self.weight_decay,
                }
                .resolve(defaults, optim)
            }
        }
    };
}
pub(crate) use gradient_optim_args;
