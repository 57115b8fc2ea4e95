//! The error type of the estimator crate.

use modnas_construct::ConstructError;
use modnas_core::UnknownName;
use modnas_metrics::MetricsError;
use modnas_optim::OptimError;
use modnas_param_space::ParamSpaceError;

/// Errors raised by data readers, the trainer, estimators and the search routine.
#[derive(Debug, thiserror::Error)]
pub enum EstimError {
    /// No estimator registered under this name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// Arguments of a component are malformed.
    #[error("invalid arguments for `{component}`: {reason}")]
    InvalidArgs {
        /// Component name.
        component: String,
        /// What is wrong: the key, the value and what is allowed.
        reason: String,
    },
    /// A data file could not be read.
    #[error("cannot read data file `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A data file is malformed.
    #[error("malformed data in `{path}`: {reason}")]
    BadData {
        /// The file (or data set name).
        path: String,
        /// What is wrong, with the line or record.
        reason: String,
    },
    /// The objective metric is missing from an estimator's results.
    #[error("objective metric `{objective}` not among the results [{available}]")]
    MissingObjective {
        /// The configured objective.
        objective: String,
        /// The metrics that were produced.
        available: String,
    },
    /// On resume, the optimizer proposed another architecture than the journal recorded: the
    /// run directory does not come from this config, seed and modnas version.
    #[error("cannot resume: trial {index} of the journal is {recorded}, but the optimizer now proposes {proposed}; the journal comes from another config, seed or modnas version")]
    ResumeMismatch {
        /// The trial index.
        index: usize,
        /// The architecture in the journal.
        recorded: String,
        /// The architecture proposed now.
        proposed: String,
    },
    /// A checkpoint could not be written.
    #[error("checkpoint {0}")]
    Checkpoint(String),
    /// A checkpoint in the run directory cannot be loaded (truncated, from another run).
    #[error("cannot resume from checkpoint {path}: {reason}; move it aside to resume from an older checkpoint, or start over with `--overwrite`")]
    BadCheckpoint {
        /// The checkpoint directory.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A pruner stopped the trial after `epoch` epochs: the trial is recorded as pruned with
    /// its last reported metrics (it is not a failure). Training code returns it from
    /// [`TrialReporter::report`](crate::TrialReporter::report) with `?`.
    #[error("pruned after epoch {epoch}: {reason}")]
    Pruned {
        /// Epochs trained.
        epoch: usize,
        /// Why the pruner stopped it.
        reason: String,
    },
    /// One trial failed for a reason of its own (an external command exited with an error or
    /// timed out, a nested run failed): it is recorded as failed and the search goes on.
    #[error("{0}")]
    TrialFailed(String),
    /// Recording a trial failed.
    #[error("cannot record trial: {0}")]
    Record(String),
    /// Construct error.
    #[error(transparent)]
    Construct(#[from] ConstructError),
    /// Optimizer error.
    #[error(transparent)]
    Optim(#[from] OptimError),
    /// Metric error.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// Parameter-space error.
    #[error(transparent)]
    ParamSpace(#[from] ParamSpaceError),
}

/// Deserializes a component's TOML arguments, naming the component in errors.
pub fn parse_args<T: serde::de::DeserializeOwned>(
    component: &str,
    args: &toml::Table,
) -> Result<T, EstimError> {
    modnas_core::deserialize_args(args).map_err(|reason| EstimError::InvalidArgs {
        component: component.to_string(),
        reason,
    })
}
