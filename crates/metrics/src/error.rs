//! The error type of the metrics crate.

use modnas_core::UnknownName;

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
    /// A device could not run or synchronise a measurement.
    #[error("measurement failed: {0}")]
    Device(String),
    /// A latency table cannot serve this network.
    #[error("latency table {path}: {reason}")]
    Table {
        /// The table file.
        path: String,
        /// What is wrong: another device, a missing entry, a malformed file.
        reason: String,
    },
    /// A candidate could not be built for measuring.
    #[error(transparent)]
    Construct(#[from] modnas_construct::ConstructError),
}
