//! [`TrialReporter`]: how a trial in training reports each epoch. Every way a trial trains —
//! the image trainer, a task's `train` through [`fit`](crate::fit), a user's
//! [`TrialTrainer`](crate::TrialTrainer), a `FunctionalSearch` closure — is handed one; each
//! report becomes an `epoch_reported` event for the run's callbacks, a point of the trial's
//! learning curve, and a question to the run's pruner, whose answer to stop comes back as
//! [`EstimError::Pruned`] (returned with `?`, as Optuna's `TrialPruned` is raised).
//!
//! ```
//! use modnas_estim::{EstimError, TrialReporter};
//! use modnas_core::MetricMap;
//! # fn main() -> Result<(), EstimError> {
//! let mut reporter = TrialReporter::silent(0);
//! for epoch in 1..=3 {
//!     // … train one epoch, then score it …
//!     let acc = 0.5 + 0.1 * epoch as f64;
//!     reporter.report(epoch, MetricMap::from([("acc".to_string(), acc)]))?;
//! }
//! assert_eq!(reporter.epochs(), 3);
//! # Ok(())
//! # }
//! ```

use super::pruning::Pruning;
use super::run_callback::RunEvent;
use crate::estim::Objective;
use crate::pruner::CurveEnd;
use crate::EstimError;
use modnas_core::MetricMap;
use modnas_optim::Fidelity;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What a trial reported after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// The trial's index.
    pub trial: usize,
    /// Epochs trained so far (1 after the first).
    pub epoch: usize,
    /// The metrics after it (`train_loss`, and the validation metrics when they were computed).
    #[serde(deserialize_with = "crate::estim::metrics_with_nan")]
    pub metrics: MetricMap,
    /// Seconds since the trial started.
    pub seconds: f64,
    /// Training samples seen so far, when the training code counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
}

/// Where a run's events go while a trial trains: the journal's callbacks.
pub type EventSink = Arc<dyn Fn(&RunEvent) -> Result<(), EstimError> + Send + Sync>;

/// Validates a model after an epoch (type-erased: the estimator knows the model's type).
type Validate<'a> = Box<dyn FnMut(&dyn Any) -> Result<MetricMap, EstimError> + 'a>;

/// What a trial has reported so far.
#[derive(Default)]
struct Record {
    samples: Option<u64>,
    last: Option<EpochReport>,
    curve: Vec<f64>,
    pruned: Option<String>,
}

/// A reporter's record: its own, or its parent's (a [validating](TrialReporter::validating)
/// reporter writes into the reporter it was made from).
enum RecordRef<'a> {
    Own(Record),
    Parent(&'a mut Record),
}

impl RecordRef<'_> {
    fn get(&mut self) -> &mut Record {
        match self {
            RecordRef::Own(r) => r,
            RecordRef::Parent(r) => r,
        }
    }
    fn peek(&self) -> &Record {
        match self {
            RecordRef::Own(r) => r,
            RecordRef::Parent(r) => r,
        }
    }
}

/// Hands a trial's epoch reports to the run (see the module docs).
pub struct TrialReporter<'a> {
    trial: usize,
    start: Instant,
    objective: Option<&'a Objective>,
    pruning: Option<&'a mut Pruning>,
    sink: Option<EventSink>,
    validate: Option<Validate<'a>>,
    record: RecordRef<'a>,
    /// Where the trial checkpoints, when the run does.
    checkpoints: Option<PathBuf>,
    /// The fidelity the optimizer chose for this trial: training stops at its epochs, or
    /// trains on its share of the data.
    pub(super) fidelity: Option<Fidelity>,
    /// The trial's seed, from which training code draws each epoch's randomness.
    pub(super) seed: Option<u64>,
}

impl<'a> TrialReporter<'a> {
    /// A reporter of trial `trial` that only keeps what it is told: no events, no pruner.
    pub fn silent(trial: usize) -> Self {
        Self {
            trial,
            start: Instant::now(),
            objective: None,
            pruning: None,
            sink: None,
            validate: None,
            record: RecordRef::Own(Record::default()),
            checkpoints: None,
            fidelity: None,
            seed: None,
        }
    }

    /// A reporter for trial `trial` of a run: its epochs go to `sink`, and `pruning` judges
    /// them by `objective`.
    pub fn new(
        trial: usize,
        objective: &'a Objective,
        pruning: Option<&'a mut Pruning>,
        sink: Option<EventSink>,
    ) -> Self {
        Self {
            objective: Some(objective),
            pruning,
            sink,
            ..Self::silent(trial)
        }
    }

    /// A reporter that writes into this one and, when the run needs validation metrics per
    /// epoch (it has a pruner), validates the model of type `M` after each
    /// [`epoch_end`](Self::epoch_end) with `validate`: how an estimator that holds the
    /// validation data lends it to a trainer that does not.
    pub fn validating<'v, M: 'static>(
        &'v mut self,
        mut validate: impl FnMut(&M) -> Result<MetricMap, EstimError> + 'v,
    ) -> TrialReporter<'v> {
        TrialReporter {
            trial: self.trial,
            start: self.start,
            objective: self.objective,
            pruning: self.pruning.as_deref_mut(),
            sink: self.sink.clone(),
            validate: Some(Box::new(move |model: &dyn Any| {
                match model.downcast_ref::<M>() {
                    Some(m) => validate(m),
                    None => Ok(MetricMap::new()),
                }
            })),
            record: RecordRef::Parent(self.record.get()),
            checkpoints: self.checkpoints.clone(),
            fidelity: self.fidelity,
            seed: self.seed,
        }
    }

    /// Whether the run judges each epoch by its validation metrics (a pruner is set): training
    /// code that computes them itself does so only then.
    pub fn wants_validation(&self) -> bool {
        self.pruning.is_some()
    }

    /// Counts `samples` more training samples seen, for the next report.
    pub fn add_samples(&mut self, samples: u64) {
        let r = self.record.get();
        r.samples = Some(r.samples.unwrap_or(0) + samples);
    }

    /// Reports the end of epoch `epoch` (1 after the first) with `metrics`: an
    /// `epoch_reported` event, a point of the learning curve when the metrics hold the
    /// objective, and [`EstimError::Pruned`] when the pruner stops the trial.
    pub fn report(&mut self, epoch: usize, metrics: MetricMap) -> Result<(), EstimError> {
        let report = self.announce(epoch, metrics)?;
        let score = self
            .objective
            .and_then(|o| Some(o.score(*report.metrics.get(&o.key)?)));
        // A pruner judges the objective: a report without it is a wrong objective, told at
        // the first epoch rather than after the trial.
        if let (None, Some(_), Some(o)) = (score, &self.pruning, self.objective) {
            return Err(EstimError::MissingObjective {
                objective: o.key.clone(),
                available: report
                    .metrics
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let record = self.record.get();
        record.last = Some(report);
        if let Some(score) = score {
            // The curve has a point per epoch, NaN for epochs that reported no objective.
            record
                .curve
                .resize(epoch.saturating_sub(1).max(record.curve.len()), f64::NAN);
            record.curve.push(score);
        }
        if let Some(epochs) = self
            .fidelity
            .and_then(|f| f.epochs())
            .filter(|f| epoch >= *f)
        {
            // Its fidelity, not a pruner, ends this trial: its epochs are not judged.
            let reason = format!("trained the {epochs} epochs its optimizer chose");
            record.pruned = Some(reason.clone());
            return Err(EstimError::Pruned { epoch, reason });
        }
        let (Some(score), Some(pruning)) = (score, self.pruning.as_deref_mut()) else {
            return Ok(());
        };
        pruning.curves.report(self.trial, epoch, score);
        match pruning.pruner.decide(self.trial, epoch, &pruning.curves) {
            None => Ok(()),
            Some(reason) => {
                record.pruned = Some(reason.clone());
                Err(EstimError::Pruned { epoch, reason })
            }
        }
    }

    /// Reports the end of epoch `epoch` (1 after the first) with `metrics` as progress only:
    /// an `epoch_reported` event for the run's subscribers, which no pruner judges and which
    /// stops nothing. For training that cannot score its epochs as they end (burn-train's
    /// `Learner` runs them itself); its last epoch is reported by
    /// [`epoch_end`](Self::epoch_end), which a pruner judges.
    pub fn progress(&mut self, epoch: usize, metrics: MetricMap) -> Result<(), EstimError> {
        let report = self.announce(epoch, metrics)?;
        self.record.get().last = Some(report);
        Ok(())
    }

    /// The report of epoch `epoch` with `metrics`, told to the run's subscribers as an
    /// `epoch_reported` event.
    fn announce(&self, epoch: usize, metrics: MetricMap) -> Result<EpochReport, EstimError> {
        let report = EpochReport {
            trial: self.trial,
            epoch,
            metrics,
            seconds: self.start.elapsed().as_secs_f64(),
            samples: self.record.peek().samples,
        };
        if let Some(sink) = &self.sink {
            sink(&RunEvent::EpochReported {
                report: report.clone(),
            })?;
        }
        Ok(report)
    }

    /// Reports the end of epoch `epoch` of `model`, with its mean training loss and, when the
    /// run [wants validation](Self::wants_validation), the metrics of the
    /// [validation](Self::validating) the estimator lent.
    pub fn epoch_end<M: 'static>(
        &mut self,
        epoch: usize,
        train_loss: f64,
        model: &M,
    ) -> Result<(), EstimError> {
        let mut metrics = MetricMap::from([("train_loss".to_string(), train_loss)]);
        // The epoch a chosen fidelity ends at is the trial's result: it is scored too.
        let last = self
            .fidelity
            .and_then(|f| f.epochs())
            .is_some_and(|f| epoch >= f);
        if self.wants_validation() || last {
            if let Some(validate) = self.validate.as_mut() {
                metrics.extend(validate(model)?);
            }
        }
        self.report(epoch, metrics)
    }

    /// The trial's index.
    pub fn trial(&self) -> usize {
        self.trial
    }

    /// Epochs reported so far.
    pub fn epochs(&self) -> usize {
        self.last().map_or(0, |r| r.epoch)
    }

    /// The mean training loss of the last reported epoch (a resumed training's starting
    /// value), NaN when none was reported.
    pub fn last_train_loss(&self) -> f64 {
        self.last()
            .and_then(|r| r.metrics.get("train_loss").copied())
            .unwrap_or(f64::NAN)
    }

    /// The last report, if any.
    pub fn last(&self) -> Option<&EpochReport> {
        self.record.peek().last.as_ref()
    }

    /// The objective's score (higher better) after each epoch, NaN for an epoch that
    /// reported none.
    pub fn curve(&self) -> &[f64] {
        &self.record.peek().curve
    }

    /// Why the pruner stopped the trial, if it did.
    pub fn pruned(&self) -> Option<&str> {
        self.record.peek().pruned.as_deref()
    }

    /// The reporter, its epochs sent to `sink` as `epoch_reported` events.
    pub fn with_sink(mut self, sink: EventSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The reporter, its trial checkpointing into `dir` after each epoch (see
    /// [`checkpoint`](Self::checkpoint)).
    pub fn with_checkpoints(mut self, dir: PathBuf) -> Self {
        self.checkpoints = Some(dir);
        self
    }

    /// Where the trial checkpoints, if the run does.
    pub(crate) fn checkpoint_dir(&self) -> Option<&Path> {
        self.checkpoints.as_deref()
    }

    /// Training samples counted so far.
    pub(crate) fn samples(&self) -> Option<u64> {
        self.record.peek().samples
    }

    /// Puts back what the trial reported before its checkpoint, and gives its scores to the
    /// pruner.
    pub(crate) fn restore_record(
        &mut self,
        curve: Vec<f64>,
        last: Option<EpochReport>,
        samples: Option<u64>,
    ) {
        if let Some(p) = self.pruning.as_deref_mut() {
            p.restore(self.trial, &curve);
        }
        let r = self.record.get();
        (r.curve, r.last, r.samples) = (curve, last, samples);
    }

    /// Tells the callbacks that trial's checkpoint after `epoch` epochs is in `dir`.
    pub(crate) fn emit_checkpoint(&self, epoch: usize, dir: PathBuf) -> Result<(), EstimError> {
        match &self.sink {
            Some(sink) => sink(&RunEvent::CheckpointWritten {
                trial: Some(self.trial),
                epoch,
                dir,
            }),
            None => Ok(()),
        }
    }

    /// Tells the pruner how the trial ended.
    pub(crate) fn finish(&mut self, end: CurveEnd) {
        if let Some(p) = self.pruning.as_deref_mut() {
            p.end(self.trial, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estim::Mode;
    use crate::pruner::build_pruner;
    use std::sync::Mutex;

    fn acc(v: f64) -> MetricMap {
        MetricMap::from([("acc".to_string(), v)])
    }

    #[test]
    fn reports_become_events_and_a_curve() {
        let seen = Arc::new(Mutex::new(vec![]));
        let log = seen.clone();
        let sink: EventSink = Arc::new(move |e: &RunEvent| {
            log.lock().unwrap().push(e.clone());
            Ok(())
        });
        let objective = Objective {
            key: "loss".into(),
            mode: Mode::Min,
        };
        let mut r = TrialReporter::new(4, &objective, None, Some(sink));
        r.add_samples(32);
        r.report(1, MetricMap::from([("loss".to_string(), 0.5)]))
            .unwrap();
        r.report(2, MetricMap::from([("other".to_string(), 1.0)]))
            .unwrap();
        assert_eq!(r.curve(), &[-0.5]); // oriented: higher better
        assert_eq!(r.epochs(), 2);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        match &seen[0] {
            RunEvent::EpochReported { report } => {
                assert_eq!(
                    (report.trial, report.epoch, report.samples),
                    (4, 1, Some(32))
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_pruner_stops_the_trial_with_its_reason() {
        let objective = Objective {
            key: "acc".into(),
            mode: Mode::Max,
        };
        let mut pruning =
            Pruning::new(build_pruner("PatiencePruner", &toml::toml! { patience = 1 }).unwrap());
        pruning.replay(0, &[0.1], CurveEnd::Completed);
        let mut r = TrialReporter::new(1, &objective, Some(&mut pruning), None);
        r.report(1, acc(0.5)).unwrap();
        let err = r.report(2, acc(0.4)).unwrap_err();
        assert!(matches!(err, EstimError::Pruned { epoch: 2, .. }), "{err}");
        assert!(r.pruned().unwrap().contains("no improvement"));
        r.finish(CurveEnd::Pruned);
        drop(r);
        assert_eq!(pruning.curves().get(1).unwrap().end, Some(CurveEnd::Pruned));
    }

    #[test]
    fn validation_runs_only_when_a_pruner_listens() {
        let objective = Objective {
            key: "acc".into(),
            mode: Mode::Max,
        };
        let calls = std::cell::Cell::new(0);
        let validate = |m: &f64| {
            calls.set(calls.get() + 1);
            Ok(acc(*m))
        };
        let mut plain = TrialReporter::silent(0);
        plain
            .validating(validate)
            .epoch_end(1, 0.3, &0.9f64)
            .unwrap();
        assert_eq!(calls.get(), 0);
        assert_eq!(plain.last().unwrap().metrics["train_loss"], 0.3);
        let mut pruning = Pruning::new(build_pruner("MedianPruner", &toml::Table::new()).unwrap());
        let mut judged = TrialReporter::new(0, &objective, Some(&mut pruning), None);
        judged
            .validating(validate)
            .epoch_end(1, 0.3, &0.9f64)
            .unwrap();
        assert_eq!(calls.get(), 1);
        assert_eq!(judged.curve(), &[0.9]); // the parent holds what its child reported
    }
}
