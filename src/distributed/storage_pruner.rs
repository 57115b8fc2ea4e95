//! Pruning in a distributed run: each worker judges its own trial's epochs against the
//! curves every worker reported to the trial storage (as Optuna's workers do with its
//! storage), so a pruned trial stops within the epoch it fell behind at, on any machine, and
//! asynchronous rules (ASHA, Hyperband) see every trial in flight.

use modnas_estim::pruner::{CurveEnd, Curves, Pruner};
use modnas_storage::{TrialState, TrialStore};

/// A run's pruner that reads and writes its curves through the trial storage.
pub(crate) struct StoragePruner {
    inner: Box<dyn Pruner>,
    store: Box<dyn TrialStore>,
    run: String,
}

impl StoragePruner {
    /// `inner`, judging by the curves of `run` in `store` (a connection of its own).
    pub(crate) fn new(inner: Box<dyn Pruner>, store: Box<dyn TrialStore>, run: &str) -> Self {
        Self {
            inner,
            store,
            run: run.to_string(),
        }
    }

    /// Every trial's curve and end, as the storage holds them.
    fn shared_curves(&mut self) -> Result<Curves, modnas_storage::StorageError> {
        let mut curves = Curves::default();
        for s in self.store.epoch_scores(&self.run)? {
            curves.report(s.index, s.epoch, s.score);
        }
        for t in self.store.trials(&self.run)? {
            let end = match (t.state, &t.result) {
                (TrialState::Done, Some(r)) => CurveEnd::of(r.pruned.is_some(), r.error.is_some()),
                (TrialState::Done, None) => CurveEnd::Completed,
                (TrialState::Failed, _) => CurveEnd::Failed,
                _ => continue,
            };
            curves.end(t.index, end);
        }
        Ok(curves)
    }
}

impl Pruner for StoragePruner {
    /// Stores this worker's score, then asks the inner pruner with every worker's curves.
    /// A storage that cannot be reached lets the trial go on (the run is not lost over it).
    fn decide(&mut self, trial: usize, epoch: usize, local: &Curves) -> Option<String> {
        let score = local.get(trial)?.scores.get(&epoch).copied()?;
        let shared = self
            .store
            .report_epoch(&self.run, trial, epoch, score)
            .and_then(|_| self.shared_curves());
        match shared {
            Ok(curves) => self.inner.decide(trial, epoch, &curves),
            Err(e) => {
                tracing::warn!(trial, epoch, error = %e, "cannot share this epoch's score; the trial goes on");
                None
            }
        }
    }
}
