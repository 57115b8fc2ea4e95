//! Trial storage for modnas runs: the trials a coordinator proposes, the workers that claim
//! and evaluate them, their heartbeats and results, in a real database that every process of
//! a run talks to — SQLite on one machine, PostgreSQL across many.
//!
//! ```
//! use modnas_storage::{open_store, RunPolicy, TrialResult, TrialState};
//! use modnas_param_space::ArchDesc;
//!
//! let dir = std::env::temp_dir().join(format!("modnas-storage-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let mut store = open_store(dir.join("trials.db").to_str().unwrap()).unwrap();
//! store.create_run("demo", "[space]", RunPolicy::default()).unwrap();
//! let mut arch = ArchDesc::new();
//! arch.insert("op", "conv");
//! store.submit("demo", 0, &arch).unwrap();
//!
//! // A worker claims the trial, evaluates it and stores the result.
//! let claimed = store.claim("demo", "worker-1").unwrap().unwrap();
//! let result = TrialResult { metrics: [("acc".to_string(), 0.9)].into_iter().collect(), seconds: 1.0, ..Default::default() };
//! assert!(store.complete("demo", claimed.index, "worker-1", &result).unwrap());
//! assert_eq!(store.trials("demo").unwrap()[0].state, TrialState::Done);
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

mod error;
mod open;
mod postgres;
mod schema;
mod sql;
mod sqlite;
mod trial_store;

pub use error::StorageError;
pub use open::open_store;
pub use postgres::{open_postgres, redact_url};
pub use schema::SCHEMA_VERSION;
pub use sqlite::open_sqlite;
pub use trial_store::{
    Claimed, CoordinatorLock, EpochScore, RunPolicy, StoredReport, StoredRun, StoredTrial,
    TrialResult, TrialState, TrialStore,
};
