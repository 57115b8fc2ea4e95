//! An estimator paired with the optimizer of its role, before the run starts: a trial
//! estimator with a discrete optimizer, a supernet estimator with a gradient optimizer of α.
//! A wrong pairing — or an optimizer the space or the estimator cannot serve (α in the space
//! without a gradient optimizer, fidelities the trials cannot vary, fidelities with workers)
//! — is one config error that names what fits, and no estimator checks its optimizer's kind
//! at run time.

use crate::{Config, ModnasError};
use modnas_estim::{Estim, Estimator, SupernetEstim, TrialEstim};
use modnas_optim::{optim_names_of_kind, ArchOptim, FidelityKind, GradientOptim, SearchOptim};
use modnas_param_space::ParamSpace;

/// An estimator and the optimizer that drives it.
pub(crate) enum Paired {
    /// A trial estimator and the discrete optimizer whose proposals it evaluates.
    Trials {
        estim: Box<dyn TrialEstim>,
        optim: Box<dyn ArchOptim>,
    },
    /// A supernet estimator and the gradient optimizer of its α.
    Supernet {
        estim: Box<dyn SupernetEstim>,
        optim: Box<dyn GradientOptim>,
    },
}

/// That `estim` fits an optimizer of that kind (`gradient`): one config error naming what fits
/// otherwise. `Config::validate` asks it by the optimizer's registered kind, before any data
/// or space exists.
pub(crate) fn check_roles(
    cfg: &Config,
    estim: &Estimator,
    gradient: bool,
) -> Result<(), ModnasError> {
    match matches!(estim, Estimator::Supernet(_)) == gradient {
        true => Ok(()),
        false => Err(role_error(cfg, estim)),
    }
}

/// The error for `estim` with an optimizer of the other kind, naming the optimizers that fit.
fn role_error(cfg: &Config, estim: &Estimator) -> ModnasError {
    let (optim_name, estim_name) = (&cfg.optim.type_name, &cfg.estim.search.type_name);
    match estim {
        Estimator::Supernet(_) => {
            let fits = optim_names_of_kind(true).join(", ");
            ModnasError::config(
                "optim.type",
                format!("`{estim_name}` trains α and needs a gradient optimizer to step it; `{optim_name}` is discrete. Gradient optimizers: [{fits}]"),
            )
        }
        Estimator::Trials(_) => {
            let fits = optim_names_of_kind(false).join(", ");
            ModnasError::config(
                "estim.search.type",
                format!("`{optim_name}` steps α by gradients, which only a supernet estimator trains: `SuperNetEstim`, over mixed operators (`construct.args.mixed_op`); `{estim_name}` evaluates the proposals of a discrete optimizer: [{fits}]"),
            )
        }
    }
}

impl Paired {
    /// Pairs `estim` with `optim` for a search of `space` configured by `cfg`.
    pub(crate) fn new(
        cfg: &Config,
        space: &ParamSpace,
        estim: Estimator,
        optim: SearchOptim,
    ) -> Result<Self, ModnasError> {
        let paired = match (estim, optim) {
            (Estimator::Trials(estim), SearchOptim::Discrete(optim)) => {
                Paired::Trials { estim, optim }
            }
            (Estimator::Supernet(estim), SearchOptim::Gradient(optim)) => {
                Paired::Supernet { estim, optim }
            }
            (estim, _) => return Err(role_error(cfg, &estim)),
        };
        paired.check_space(cfg, space)?;
        paired.check_fidelity(cfg)?;
        Ok(paired)
    }

    /// The discrete optimizer of a search that user code evaluates (`FunctionalSearch`); a
    /// gradient one is a config error naming the discrete ones.
    pub(crate) fn discrete_optim(
        cfg: &Config,
        optim: SearchOptim,
    ) -> Result<Box<dyn ArchOptim>, ModnasError> {
        match optim {
            SearchOptim::Discrete(o) => Ok(o),
            SearchOptim::Gradient(_) => Err(ModnasError::config(
                "optim.type",
                format!(
                    "`{}` steps α by gradients (FunctionalSuperNet searches α); a functional search proposes architectures with a discrete optimizer: [{}]",
                    cfg.optim.type_name,
                    optim_names_of_kind(false).join(", ")
                ),
            )),
        }
    }

    /// The gradient optimizer of a supernet search that user code trains
    /// (`FunctionalSuperNet`); a discrete one is a config error naming the gradient ones.
    pub(crate) fn gradient_optim(
        cfg: &Config,
        optim: SearchOptim,
    ) -> Result<Box<dyn GradientOptim>, ModnasError> {
        match optim {
            SearchOptim::Gradient(o) => Ok(o),
            SearchOptim::Discrete(_) => Err(ModnasError::config(
                "optim.type",
                format!(
                    "`{}` is a discrete search algorithm (FunctionalSearch runs those); a supernet search needs a gradient optimizer: [{}]",
                    cfg.optim.type_name,
                    optim_names_of_kind(true).join(", ")
                ),
            )),
        }
    }

    /// What every estimator tells, whatever its role.
    pub(crate) fn estim(&self) -> &dyn Estim {
        match self {
            Paired::Trials { estim, .. } => estim.as_ref(),
            Paired::Supernet { estim, .. } => estim.as_ref(),
        }
    }

    /// The trial estimator, if this is one.
    pub(crate) fn trials(&self) -> Option<&dyn TrialEstim> {
        match self {
            Paired::Trials { estim, .. } => Some(estim.as_ref()),
            Paired::Supernet { .. } => None,
        }
    }

    /// The discrete optimizer, for a trial estimator's search.
    pub(crate) fn discrete(&mut self) -> Option<&mut dyn ArchOptim> {
        match self {
            Paired::Trials { optim, .. } => Some(optim.as_mut()),
            Paired::Supernet { .. } => None,
        }
    }

    /// A space with α (mixed operators that weight candidates) is searched by gradients
    /// only.
    fn check_space(&self, cfg: &Config, space: &ParamSpace) -> Result<(), ModnasError> {
        if matches!(self, Paired::Trials { .. }) && !space.tensor_params().is_empty() {
            return Err(ModnasError::config(
                "optim.type",
                format!("the space holds tensor parameters (α) from `construct.args.mixed_op`, which `{}` cannot search: use a gradient optimizer with SuperNetEstim, or `mixed_op = \"IndexMixedOp\"` (or none) for a discrete search", cfg.optim.type_name),
            ));
        }
        Ok(())
    }

    /// An optimizer that chooses each trial's fidelity needs trials in this process that vary
    /// that fidelity.
    fn check_fidelity(&self, cfg: &Config) -> Result<(), ModnasError> {
        let Paired::Trials { estim, optim } = self else {
            return Ok(());
        };
        let Some(kind) = optim.chooses_fidelity() else {
            return Ok(());
        };
        let (optim_name, estim_name) = (&cfg.optim.type_name, &cfg.estim.search.type_name);
        if cfg.storage.is_some() {
            return Err(ModnasError::config(
                "optim.type",
                format!("`{optim_name}` chooses each trial's {kind}, and workers train every trial fully: run it without `storage`"),
            ));
        }
        if !estim.fidelities().contains(&kind) {
            let fit = match kind {
                FidelityKind::Epochs => "SubNetEstim, or HPTuneEstim with a `command` whose trials print MODNAS_REPORT lines",
                FidelityKind::DataFraction => "SubNetEstim",
            };
            return Err(ModnasError::config(
                "optim.type",
                format!("`{optim_name}` chooses each trial's {kind}, which `{estim_name}` cannot vary; use {fit}"),
            ));
        }
        Ok(())
    }
}
