//! Run events and the callbacks that subscribe to them (`[[callbacks]]`).

mod base;
mod event_log;
mod registry;
mod reporter;

pub use base::{dispatch, RunCallback, RunEvent};
pub use event_log::{EventLog, EventLogArgs};
pub use registry::{build_callback, callback_names, CallbackBuildFn, CallbackEntry};
pub use reporter::{EpochReport, EventSink, Pruning, TrialReporter};
