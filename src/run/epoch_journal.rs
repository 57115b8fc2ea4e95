//! `epochs.jsonl`: every epoch a trial reports, appended as it is reported, so that the
//! dashboard draws each trial's learning curve while it trains (the journal holds a trial
//! only once it ends). A callback of every run, beside those the config names.

use crate::run::EPOCHS_FILE;
use modnas_estim::{EstimError, RunCallback, RunEvent};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Appends each `epoch_reported` event's report to the run's `epochs.jsonl`.
pub(crate) struct EpochJournal {
    path: PathBuf,
    /// Opened at the first report: a run whose trials report no epochs writes no file.
    file: Option<File>,
}

impl EpochJournal {
    /// The epoch journal of the run in `dir`.
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(EPOCHS_FILE),
            file: None,
        }
    }
}

impl RunCallback for EpochJournal {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let RunEvent::EpochReported { report } = event else {
            return Ok(());
        };
        let io = |e: std::io::Error| EstimError::Record(format!("{}: {e}", self.path.display()));
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(io)?,
            ),
        };
        let line = serde_json::to_string(report).map_err(|e| EstimError::Record(e.to_string()))?;
        writeln!(file, "{line}")
            .and_then(|_| file.flush())
            .map_err(io)
    }
}
