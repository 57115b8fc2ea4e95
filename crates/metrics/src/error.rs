//! The error type of the metrics crate.

use modnas_param_space::UnknownName;

/// Errors raised by metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// No metric registered under this name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// The metric's arguments are malformed.
    #[error("invalid arguments for `{metric}`: {reason}")]
    InvalidArgs {
        /// Metric name.
        metric: String,
        /// What is wrong.
        reason: String,
    },
}
