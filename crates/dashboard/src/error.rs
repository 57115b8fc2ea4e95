//! The dashboard's one error type.

/// Why the dashboard could not start or read a run.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A directory given is neither a run directory nor a batch of runs.
    #[error("`{path}` is not a run directory (it has no config.toml) nor a `compare` or `pipeline` directory (no compare.toml or pipeline.toml)")]
    NotARun {
        /// The directory.
        path: String,
    },
    /// No run directory was given.
    #[error("no run directory or trial storage given")]
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
    /// A trial storage could not be opened or read.
    #[error("trial storage `{url}`: {reason}")]
    NoStore {
        /// The storage's address.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The storage holds no run of that name.
    #[error("trial storage `{storage}` holds no run `{run}`; it holds [{known}]")]
    NoStoredRun {
        /// The name asked for.
        run: String,
        /// The storage's address.
        storage: String,
        /// The runs it holds.
        known: String,
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
            DashboardError::NoStore { .. } | DashboardError::NoStoredRun { .. } => true,
            DashboardError::Bind { .. } => true,
            DashboardError::Run(e) => e.is_input_error(),
            DashboardError::Io { .. } | DashboardError::Server(_) => false,
        }
    }
}
