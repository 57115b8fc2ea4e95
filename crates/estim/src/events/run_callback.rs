//! [`RunEvent`]: what happens in a search run, in order, and [`RunCallback`]: a subscriber to
//! it (paper, §3: components interact through events; reporting hangs on them). The run's
//! journal hands every event to the callbacks of the config's `[[callbacks]]`, after the
//! journal has recorded what the event reports.
//!
//! ```
//! use modnas_estim::{RunCallback, RunEvent, EstimError};
//!
//! /// Counts finished trials.
//! struct Count(usize);
//! impl RunCallback for Count {
//!     fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
//!         if let RunEvent::TrialFinished { .. } = event {
//!             self.0 += 1;
//!         }
//!         Ok(())
//!     }
//! }
//! ```

use super::reporter::EpochReport;
use crate::estim::{AlphaSnapshot, StopReason, Trial};
use crate::EstimError;
use modnas_param_space::ArchDesc;
use serde::Serialize;
use std::path::PathBuf;

/// One event of a search run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunEvent {
    /// The run starts (or resumes) in `dir`; `replayed` trials were recorded before.
    RunStarted {
        /// The run directory.
        dir: PathBuf,
        /// Trials an interrupted run had recorded, replayed without evaluation.
        replayed: usize,
    },
    /// The search proposed trial `index`; its evaluation follows (in this process, or by a
    /// worker), then `trial_finished`, `trial_pruned` or `trial_failed`.
    TrialProposed {
        /// The trial's index.
        index: usize,
        /// Its architecture.
        arch: ArchDesc,
    },
    /// Trial `index` starts training in this process.
    TrialStarted {
        /// The trial's index.
        index: usize,
    },
    /// A trial in training reported an epoch.
    EpochReported {
        /// What it reported.
        report: EpochReport,
    },
    /// A pruner stopped a trial; it was recorded with its last metrics, its epochs and the
    /// reason (`trial.pruned`).
    TrialPruned {
        /// The trial, as the journal holds it.
        trial: Trial,
    },
    /// A trial was evaluated and recorded.
    TrialFinished {
        /// The trial, as the journal holds it.
        trial: Trial,
    },
    /// A trial failed (its `error` says why) and was recorded with a NaN objective.
    TrialFailed {
        /// The trial, as the journal holds it.
        trial: Trial,
    },
    /// A checkpoint was written: of trial `trial` after `epoch` of its epochs, or of the
    /// supernet (`trial` `None`) after `epoch` epochs.
    CheckpointWritten {
        /// The trial, or `None` for a supernet search's checkpoint.
        trial: Option<usize>,
        /// Epochs the checkpoint holds.
        epoch: usize,
        /// Its directory.
        dir: PathBuf,
    },
    /// An epoch of supernet training ended; the architecture weights after it.
    SupernetEpoch {
        /// softmax(α) per parameter.
        alphas: AlphaSnapshot,
    },
    /// The run ended.
    RunEnded {
        /// Trials in the run, replayed ones included.
        trials: usize,
        /// The best trial.
        best: Option<Trial>,
        /// Why the search stopped.
        stop: StopReason,
    },
}

impl RunEvent {
    /// The event's name as events are logged (`run_started`, `trial_finished` …).
    pub fn name(&self) -> &'static str {
        match self {
            RunEvent::RunStarted { .. } => "run_started",
            RunEvent::TrialProposed { .. } => "trial_proposed",
            RunEvent::TrialStarted { .. } => "trial_started",
            RunEvent::EpochReported { .. } => "epoch_reported",
            RunEvent::TrialPruned { .. } => "trial_pruned",
            RunEvent::TrialFinished { .. } => "trial_finished",
            RunEvent::TrialFailed { .. } => "trial_failed",
            RunEvent::CheckpointWritten { .. } => "checkpoint_written",
            RunEvent::SupernetEpoch { .. } => "supernet_epoch",
            RunEvent::RunEnded { .. } => "run_ended",
        }
    }
}

/// A subscriber to a run's events, registered with
/// [`register_callback!`](crate::register_callback) and named in `[[callbacks]]`. An error
/// stops the run, as a journal that cannot be written does.
pub trait RunCallback: Send {
    /// Called for every event, in the order they happen.
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError>;
}

/// Hands each event to every callback, in their config order.
pub fn dispatch(
    callbacks: &mut [Box<dyn RunCallback>],
    event: &RunEvent,
) -> Result<(), EstimError> {
    callbacks.iter_mut().try_for_each(|c| c.on_event(event))
}
