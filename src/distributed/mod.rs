//! Distributed runs (paper §3.5): a coordinator queues trials in a trial storage shared with
//! worker processes on any machine that reaches it, and collects their results.

mod coordinator;
mod storage_pruner;
mod store_dispatch;
mod worker;
mod workers_config;

pub(crate) use coordinator::Coordinator;
pub use coordinator::{storage_run_name, storage_url, stored_trial, STORAGE_FILE};
pub use store_dispatch::StoreDispatch;
pub use worker::{run_worker, WorkerOptions, WorkerSummary};
pub use workers_config::WorkersConfig;
