//! Checkpoints inside a trial: after each epoch, training code that can be resumed saves its
//! model and optimizer state through its [`TrialReporter`]; a run killed in the middle of a
//! long trial resumes it at its last checkpointed epoch. Each epoch draws its randomness from
//! its own seed (see [`TrialReporter::epoch_seed`]), so the resumed training, and the
//! journal, equal an undisturbed run's.

use super::reporter::TrialReporter;
use crate::estim::checkpoint::{self, Snapshot};
use crate::EstimError;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The run directory's folder of unfinished trials' checkpoints (`trial-0003/` …), removed
/// as each trial is recorded.
pub const TRIAL_CHECKPOINTS: &str = "trial-checkpoints";

/// The checkpoint directory of trial `index` in `run_dir`.
pub fn trial_checkpoint_dir(run_dir: &Path, index: usize) -> PathBuf {
    run_dir
        .join(TRIAL_CHECKPOINTS)
        .join(format!("trial-{index:04}"))
}

/// Removes a recorded trial's checkpoint directory `dir`, if there is one, and the
/// `trial-checkpoints` folder with its last trial (removing a folder that holds others fails,
/// as it should).
pub fn remove_trial_checkpoint(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    std::fs::remove_dir_all(dir)?;
    if let Some(parent) = dir.parent() {
        let _ = std::fs::remove_dir(parent);
    }
    Ok(())
}

/// What a trial had reported when it was checkpointed.
#[derive(Serialize, Deserialize)]
struct ReportedSoFar {
    curve: Vec<Option<f64>>,
    last: Option<super::EpochReport>,
    samples: Option<u64>,
}

const REPORTED: &str = "reported.json";

impl TrialReporter<'_> {
    /// The seed of epoch `epoch` (from 0) of a trial seeded `seed`: training code that draws
    /// each epoch's randomness (shuffling, augmentation, the device's dropout) from it
    /// resumes at any epoch exactly as it would have run on.
    pub fn epoch_seed(seed: u64, epoch: usize) -> u64 {
        // SplitMix64's increment spreads consecutive epochs apart.
        seed.wrapping_add((epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Loads the trial's newest checkpoint into `model` and `optim`, when the run checkpoints
    /// trials and an interrupted run left one, and gives what the trial had reported back
    /// to the record and to the pruner; returns the epochs it holds (0: train from the
    /// start).
    pub fn resume<M: Module>(
        &mut self,
        model: &mut M,
        optim: &mut ModuleOptimizer,
    ) -> Result<usize, EstimError> {
        let Some((dir, done)) = self.checkpoint_dir().and_then(checkpoint::find) else {
            return Ok(0);
        };
        checkpoint::restore(&dir, model, optim, &[], None)?;
        let path = dir.join(REPORTED);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| checkpoint::damaged(&dir, format!("{REPORTED}: {e}")))?;
        let reported: ReportedSoFar = serde_json::from_str(&text)
            .map_err(|e| checkpoint::damaged(&dir, format!("{REPORTED}: {e}")))?;
        let curve: Vec<f64> = reported
            .curve
            .iter()
            .map(|s| s.unwrap_or(f64::NAN))
            .collect();
        self.restore_record(curve, reported.last, reported.samples);
        tracing::info!(
            trial = self.trial(),
            epochs = done,
            "trial resumed from its checkpoint"
        );
        Ok(done)
    }

    /// Checkpoints `model` and `optim` after `epoch` epochs with what the trial reported so
    /// far; nothing when the run does not checkpoint trials.
    pub fn checkpoint<M: Module>(
        &mut self,
        epoch: usize,
        model: &M,
        optim: &ModuleOptimizer,
    ) -> Result<(), EstimError> {
        let Some(dir) = self.checkpoint_dir() else {
            return Ok(());
        };
        let reported = ReportedSoFar {
            curve: self
                .curve()
                .iter()
                .map(|s| (!s.is_nan()).then_some(*s))
                .collect(),
            last: self.last().cloned(),
            samples: self.samples(),
        };
        let text = serde_json::to_string(&reported)
            .map_err(|e| EstimError::Checkpoint(format!("{}: {e}", dir.display())))?;
        let state = Snapshot {
            model,
            weights: optim,
            alphas: &[],
            adam: None,
        };
        checkpoint::save_with(dir, epoch, &state, &[(REPORTED, &text)])?;
        self.emit_checkpoint(epoch, dir.to_path_buf())
    }
}
