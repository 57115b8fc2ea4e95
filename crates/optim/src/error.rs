//! The error type of the optimizer crate.

use modnas_core::UnknownName;
use modnas_param_space::ParamSpaceError;

/// Errors raised by architecture optimizers.
#[derive(Debug, thiserror::Error)]
pub enum OptimError {
    /// No optimizer registered under this name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// The optimizer's arguments are malformed.
    #[error("invalid arguments for `{optim}`: {reason}")]
    InvalidArgs {
        /// Optimizer name.
        optim: String,
        /// Serde's message: the key, the value and what is allowed.
        reason: String,
    },
    /// The search space does not suit this optimizer.
    #[error("`{optim}` cannot search this space: {reason}")]
    UnsupportedSpace {
        /// Optimizer name.
        optim: String,
        /// Why.
        reason: String,
    },
    /// The metric an optimizer learns from is missing from a trial's results.
    #[error("`{optim}` needs metric `{metric}`, the trial reported [{available}]")]
    MissingMetric {
        /// Optimizer name.
        optim: String,
        /// The configured metric.
        metric: String,
        /// The metrics the trial has.
        available: String,
    },
    /// A surrogate model could not be fitted.
    #[error("surrogate model failed: {0}")]
    Surrogate(String),
    /// The optimizer cannot do what was asked of it (a gradient optimizer asked for discrete
    /// proposals, for example).
    #[error("{0}")]
    Unsupported(String),
    /// The problem a gradient optimizer works on failed (a forward pass, a batch).
    #[error("architecture step failed: {0}")]
    Problem(String),
    /// A parameter-space error.
    #[error(transparent)]
    ParamSpace(#[from] ParamSpaceError),
}
