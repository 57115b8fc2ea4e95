//! Run events and the callbacks that subscribe to them (`[[callbacks]]`).

mod base;
mod event_log;
mod registry;
mod reporter;
mod trial_checkpoint;

pub use base::{dispatch, RunCallback, RunEvent};
pub use event_log::{EventLog, EventLogArgs};
pub use registry::{build_callback, callback_names, CallbackBuildFn, CallbackEntry};
pub use reporter::{EpochReport, EventSink, Pruning, TrialReporter};
pub use trial_checkpoint::{remove_trial_checkpoint, trial_checkpoint_dir, TRIAL_CHECKPOINTS};
