//! The storage crate's error type.

/// What can go wrong with trial storage. Each message names the store, the run or the value at
/// fault.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The storage address has a scheme modnas does not know.
    #[error("unsupported storage address {url:?}: use a file path or sqlite://PATH for SQLite, postgres://USER@HOST/DB for PostgreSQL")]
    BadUrl {
        /// The address as given.
        url: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open trial storage {store}: {reason}")]
    Open {
        /// The store's address.
        store: String,
        /// Why.
        reason: String,
    },
    /// The database was written by a newer modnas.
    #[error("trial storage {store} has schema version {found}, newer than the {supported} this modnas knows; upgrade modnas")]
    NewerSchema {
        /// The store's address.
        store: String,
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Another live coordinator holds the run.
    #[error("run {run:?} in {store} already has a live coordinator; stop it first, or choose another run name")]
    RunLocked {
        /// The run's name in the store.
        run: String,
        /// The store's address.
        store: String,
    },
    /// No run of this name is stored.
    #[error("no run named {run:?} in {store}")]
    NoRun {
        /// The run's name in the store.
        run: String,
        /// The store's address.
        store: String,
    },
    /// A trial index was proposed again with another architecture.
    #[error(
        "trial {index} of run {run:?} was queued as {stored}, and is now proposed as {proposed}"
    )]
    Mismatch {
        /// The run's name in the store.
        run: String,
        /// The trial.
        index: usize,
        /// The stored architecture (JSON).
        stored: String,
        /// The new one (JSON).
        proposed: String,
    },
    /// A database call failed.
    #[error("trial storage {store}: {reason}")]
    Database {
        /// The store's address.
        store: String,
        /// The database's message.
        reason: String,
    },
    /// Stored data that modnas cannot read.
    #[error("corrupt trial storage: {0}")]
    Corrupt(String),
}
