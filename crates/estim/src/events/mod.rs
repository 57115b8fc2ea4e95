//! Run events and the callbacks that subscribe to them (`[[callbacks]]`).

mod event_log;
mod pruning;
mod registry;
mod reporter;
mod run_callback;
mod trial_checkpoint;
mod trial_fidelity;

pub use event_log::{EventLog, EventLogArgs};
pub use pruning::Pruning;
pub use registry::{build_callback, callback_names, CallbackBuildFn, CallbackEntry};
pub use reporter::{EpochReport, EventSink, TrialReporter};
pub use run_callback::{dispatch, RunCallback, RunEvent};
pub use trial_checkpoint::{remove_trial_checkpoint, trial_checkpoint_dir, TRIAL_CHECKPOINTS};
