//! A run's event bus and its subscribers. The search hands everything that happens to the
//! [`Journal`] (a [`TrialObserver`]), which turns it into [`RunEvent`]s for the run's
//! subscribers, in order: the trial journal (`trials.jsonl`, flushed first, so a trial is on
//! disk before anything else hears of it or the optimizer learns from it), the α journal
//! (`alphas.jsonl`), the epoch journal (`epochs.jsonl`), the log (`tracing` events, which the
//! CLI writes to `modnas.log`), then the config's callbacks. Trials in training send their
//! epoch reports and checkpoints to the same subscribers as they happen (an [`EventSink`]).
//! The dashboard reads what the journals write; the caller's `on_trial` (the CLI's progress
//! bar) sees each recorded trial last.

use crate::run::dir::{complete_lines, JOURNAL_FILE};
use crate::run::epoch_journal::EpochJournal;
use crate::{Config, ModnasError};
use modnas_estim::{
    AlphaSnapshot, EstimError, EventSink, RunCallback, RunEvent, SearchOutcome, Trial,
    TrialObserver,
};
use modnas_param_space::ArchDesc;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The run's subscribers, which the journal and the trials in training both call.
type Bus = Arc<Mutex<Vec<Box<dyn RunCallback>>>>;

/// Hands `event` to every subscriber of `bus`, in order.
fn dispatch(bus: &Bus, event: &RunEvent) -> Result<(), EstimError> {
    let mut subscribers = bus
        .lock()
        .map_err(|_| EstimError::Record("a callback panicked earlier in this run".into()))?;
    modnas_estim::events::dispatch(&mut subscribers, event)
}

/// The search's observer: each call becomes an event on the run's bus (see the module docs).
pub(crate) struct Journal<'a> {
    bus: Bus,
    on_trial: &'a mut dyn FnMut(&Trial),
    /// Supernet epochs `alphas.jsonl` already holds: a resumed supernet recomputes the epochs
    /// after its last checkpoint, and they are not told twice.
    alphas_done: usize,
}

impl<'a> Journal<'a> {
    /// The bus of the run in `dir` configured by `cfg` (its journals opened for appending,
    /// then the config's callbacks, then the caller's `extra` subscribers), told that the run
    /// starts with `replayed` trials recorded before; `on_trial` sees each trial once recorded.
    pub(crate) fn open(
        dir: &Path,
        cfg: &Config,
        replayed: usize,
        extra: Vec<Box<dyn RunCallback>>,
        on_trial: &'a mut dyn FnMut(&Trial),
    ) -> Result<Self, ModnasError> {
        let mut subscribers: Vec<Box<dyn RunCallback>> = vec![
            Box::new(TrialJournal::open(dir)?),
            Box::new(AlphaJournal(dir.join(crate::run::ALPHAS_FILE))),
            Box::new(EpochJournal::new(dir)),
            Box::new(TraceLog),
        ];
        subscribers.extend(crate::config::validate::build_callbacks(cfg)?);
        subscribers.extend(extra);
        let journal = Journal {
            bus: Arc::new(Mutex::new(subscribers)),
            on_trial,
            alphas_done: complete_lines(dir, crate::run::ALPHAS_FILE)?,
        };
        journal.emit(&RunEvent::RunStarted {
            dir: dir.to_path_buf(),
            replayed,
        })?;
        Ok(journal)
    }

    /// Tells the subscribers that the run ended with `outcome`.
    pub(crate) fn finish(&mut self, outcome: &SearchOutcome) -> Result<(), ModnasError> {
        Ok(self.emit(&RunEvent::RunEnded {
            trials: outcome.trials,
            best: outcome.best.clone(),
            stop: outcome.stop,
        })?)
    }

    fn emit(&self, event: &RunEvent) -> Result<(), EstimError> {
        dispatch(&self.bus, event)
    }
}

impl TrialObserver for Journal<'_> {
    fn on_proposed(&mut self, index: usize, arch: &ArchDesc) -> Result<(), EstimError> {
        self.emit(&RunEvent::TrialProposed {
            index,
            arch: arch.clone(),
        })
    }

    fn on_trial(&mut self, trial: &Trial) -> Result<(), EstimError> {
        let trial_event = trial.clone();
        self.emit(&match (&trial.error, &trial.pruned) {
            (Some(_), _) => RunEvent::TrialFailed { trial: trial_event },
            (None, Some(_)) => RunEvent::TrialPruned { trial: trial_event },
            (None, None) => RunEvent::TrialFinished { trial: trial_event },
        })?;
        (self.on_trial)(trial);
        Ok(())
    }

    fn event_sink(&self) -> Option<EventSink> {
        let bus = self.bus.clone();
        Some(Arc::new(move |event: &RunEvent| dispatch(&bus, event)))
    }

    fn on_alphas(&mut self, alphas: &AlphaSnapshot) -> Result<(), EstimError> {
        if alphas.epoch < self.alphas_done {
            return Ok(());
        }
        self.emit(&RunEvent::SupernetEpoch {
            alphas: alphas.clone(),
        })
    }
}

/// `trials.jsonl`: each recorded trial (finished, pruned or failed), a JSON line flushed
/// before the next subscriber hears of it.
struct TrialJournal {
    file: File,
    path: PathBuf,
}

impl TrialJournal {
    fn open(dir: &Path) -> Result<Self, ModnasError> {
        let path = dir.join(JOURNAL_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ModnasError::io(&path, e))?;
        Ok(Self { file, path })
    }
}

impl RunCallback for TrialJournal {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let (RunEvent::TrialFinished { trial }
        | RunEvent::TrialPruned { trial }
        | RunEvent::TrialFailed { trial }) = event
        else {
            return Ok(());
        };
        let line = serde_json::to_string(trial).map_err(|e| EstimError::Record(e.to_string()))?;
        writeln!(self.file, "{line}")
            .and_then(|_| self.file.flush())
            .map_err(|e| EstimError::Record(format!("{}: {e}", self.path.display())))
    }
}

/// `alphas.jsonl` (its path): softmax(α) after each supernet epoch.
struct AlphaJournal(PathBuf);

impl RunCallback for AlphaJournal {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let RunEvent::SupernetEpoch { alphas } = event else {
            return Ok(());
        };
        let line = serde_json::to_string(alphas).map_err(|e| EstimError::Record(e.to_string()))?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| EstimError::Record(format!("{}: {e}", self.0.display())))
    }
}

/// The run's log: a `tracing` event for each recorded trial (the CLI writes them to
/// `modnas.log`).
struct TraceLog;

impl RunCallback for TraceLog {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        match event {
            RunEvent::TrialFinished { trial: t } => {
                tracing::info!(trial = t.index, arch = %t.arch.summary(), metrics = ?t.metrics, "trial evaluated")
            }
            RunEvent::TrialPruned { trial: t } => {
                let why = t.pruned.as_deref().unwrap_or_default();
                tracing::info!(trial = t.index, arch = %t.arch.summary(), epochs = ?t.epochs, reason = %why, "trial pruned")
            }
            RunEvent::TrialFailed { trial: t } => {
                let why = t.error.as_deref().unwrap_or_default();
                tracing::warn!(trial = t.index, arch = %t.arch.summary(), error = %why, "trial failed; the search goes on")
            }
            _ => {}
        }
        Ok(())
    }
}
