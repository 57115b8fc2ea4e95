//! Run events and the callbacks that subscribe to them (`[[callbacks]]`).

mod base;
mod event_log;
mod registry;

pub use base::{dispatch, RunCallback, RunEvent};
pub use event_log::{EventLog, EventLogArgs};
pub use registry::{build_callback, callback_names, CallbackBuildFn, CallbackEntry};
