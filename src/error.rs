//! The error type of the facade.

use modnas_construct::ConstructError;
use modnas_estim::EstimError;
use modnas_metrics::MetricsError;
use modnas_optim::OptimError;

/// Errors of a modnas run.
#[derive(Debug, thiserror::Error)]
pub enum ModnasError {
    /// The configuration is invalid: `key` names the offending TOML key.
    #[error("config error at `{key}`: {message}")]
    Config {
        /// Dotted key path (`estim.search.args`).
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A plot could not be drawn from a run's records (they are missing or malformed).
    #[error("cannot plot {path}: {reason}")]
    Plot {
        /// The record file or the image.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An image could not be written (a full disk, no permission): the environment's fault, not
    /// the input's.
    #[error("cannot draw {path}: {reason}")]
    Draw {
        /// The image.
        path: String,
        /// The drawing backend's error.
        reason: String,
    },
    /// A run directory cannot be used as asked (it holds another run, or cannot be resumed).
    #[error("run directory {path} {reason}")]
    RunDir {
        /// The directory.
        path: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The search failed.
    #[error(transparent)]
    Estim(#[from] EstimError),
    /// The trial storage of a distributed run refused or failed.
    #[error(transparent)]
    Storage(#[from] modnas_storage::StorageError),
    /// A model could not be exported.
    #[error(transparent)]
    Export(#[from] modnas_export::ExportError),
}

impl ModnasError {
    /// A plot of `path` (a record file or an image) that could not be drawn, and why.
    pub fn plot(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        ModnasError::Plot {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// An image `path` that could not be written, and the drawing backend's error.
    pub fn draw(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        ModnasError::Draw {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// True when the error is caused by the user's input (the CLI exits with code 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            ModnasError::Config { .. } => true,
            ModnasError::Io { .. } => false,
            ModnasError::Plot { .. } => true,
            ModnasError::Draw { .. } => false,
            ModnasError::RunDir { .. } => true,
            // A model with an operation ONNX cannot express is the user's to change.
            ModnasError::Export(e) => matches!(e, modnas_export::ExportError::Unsupported { .. }),
            // A wrong address, a run name that is taken or missing, a newer database: the
            // user's to fix. An unreachable or failing database is not.
            ModnasError::Storage(e) => matches!(
                e,
                modnas_storage::StorageError::BadUrl { .. }
                    | modnas_storage::StorageError::RunLocked { .. }
                    | modnas_storage::StorageError::NoRun { .. }
                    | modnas_storage::StorageError::NewerSchema { .. }
                    | modnas_storage::StorageError::Mismatch { .. }
            ),
            ModnasError::Estim(e) => matches!(
                e,
                EstimError::InvalidArgs { .. }
                    | EstimError::Unknown(_)
                    | EstimError::BadData { .. }
                    | EstimError::Io { .. }
                    | EstimError::MissingObjective { .. }
                    | EstimError::ResumeMismatch { .. }
                    | EstimError::BadCheckpoint { .. }
                    | EstimError::Metrics(MetricsError::Table { .. })
            ),
        }
    }

    pub(crate) fn config(key: &str, message: impl std::fmt::Display) -> Self {
        ModnasError::Config {
            key: key.to_string(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        ModnasError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// Errors raised while building a component from its config are input errors at `key`.
pub(crate) trait AtKey<T> {
    fn at(self, key: &str) -> Result<T, ModnasError>;
}

macro_rules! at_key {
    ($($err:ty),*) => {$(
        impl<T> AtKey<T> for Result<T, $err> {
            fn at(self, key: &str) -> Result<T, ModnasError> {
                self.map_err(|e| ModnasError::config(key, e))
            }
        }
    )*};
}
at_key!(
    ConstructError,
    OptimError,
    MetricsError,
    EstimError,
    modnas_core::UnknownName
);
