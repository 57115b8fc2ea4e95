//! [`ProgressLines`]: this crate's own run callback — one line per event of the run in a text
//! file of the run directory (`progress.txt`): `run_started`, `trial 3 proposed: …`,
//! `trial 3 started`, `trial 3 epoch 1: train_loss=0.52`, `trial 3 finished: acc=0.91`,
//! `supernet epoch 2`, `run_ended after 8 trials`. Named in TOML:
//!
//! ```toml
//! [[callbacks]]
//! type = "ProgressLines"
//! args = { file = "progress.txt" }
//! ```

use modnas::estim::{register_callback, EstimError, RunCallback, RunEvent};
use std::io::Write;
use std::path::PathBuf;

/// Arguments: the file, in the run directory.
#[modnas::core::nas_config]
#[derive(serde::Deserialize, modnas::schemars::JsonSchema)]
#[schemars(crate = "modnas::schemars")]
#[serde(deny_unknown_fields)]
pub struct ProgressLinesArgs {
    /// The file's name.
    #[config(default = "progress.txt".into())]
    pub file: String,
}


/// Writes a line per event.
pub struct ProgressLines {
    file: String,
    path: Option<PathBuf>,
}

impl RunCallback for ProgressLines {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let line = match event {
            RunEvent::RunStarted { dir, .. } => {
                self.path = Some(dir.join(&self.file));
                "run_started".to_string()
            }
            RunEvent::TrialProposed { index, arch } => {
                format!("trial {index} proposed: {}", arch.summary())
            }
            RunEvent::TrialFinished { trial } => {
                let acc = trial.metrics.get("acc").copied().unwrap_or(f64::NAN);
                format!("trial {} finished: acc={acc:.3}", trial.index)
            }
            RunEvent::TrialStarted { index } => format!("trial {index} started"),
            RunEvent::EpochReported { report } => {
                let loss = report.metrics.get("train_loss").copied().unwrap_or(f64::NAN);
                format!("trial {} epoch {}: train_loss={loss:.3}", report.trial, report.epoch)
            }
            RunEvent::TrialPruned { trial } => {
                let why = trial.pruned.as_deref().unwrap_or("");
                format!("trial {} pruned: {why}", trial.index)
            }
            RunEvent::TrialFailed { trial } => format!("trial {} failed", trial.index),
            RunEvent::SupernetEpoch { alphas } => format!("supernet epoch {}", alphas.epoch),
            RunEvent::RunEnded { trials, .. } => format!("run_ended after {trials} trials"),
            other => other.name().to_string(),
        };
        let Some(path) = &self.path else {
            return Ok(());
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| EstimError::Record(format!("{}: {e}", path.display())))
    }
}

register_callback!(
    /// one line per run event in a text file of the run directory
    "ProgressLines", |args: ProgressLinesArgs| {
        Ok(Box::new(ProgressLines { file: args.file, path: None }))
    }
);
