//! The dashboard's one error type.

/// Why the dashboard could not start or read a run.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A directory given is not a run directory.
    #[error("`{path}` is not a run directory: it has no config.toml")]
    NotARun {
        /// The directory.
        path: String,
    },
    /// No run directory was given.
    #[error("no run directory given")]
    NoRuns,
    /// A run's config could not be read.
    #[error(transparent)]
    Run(#[from] modnas::ModnasError),
    /// A run's file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The address could not be bound.
    #[error("cannot listen on `{addr}`: {reason}")]
    Bind {
        /// `host:port`.
        addr: String,
        /// The cause.
        reason: String,
    },
    /// The server stopped with an error.
    #[error("dashboard server: {0}")]
    Server(String),
}

impl DashboardError {
    /// True when the user's input is at fault (the CLI exits with code 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            DashboardError::NotARun { .. } | DashboardError::NoRuns => true,
            DashboardError::Bind { .. } => true,
            DashboardError::Run(e) => e.is_input_error(),
            DashboardError::Io { .. } | DashboardError::Server(_) => false,
        }
    }
}
