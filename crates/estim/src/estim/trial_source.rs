//! Where the search loop's results come from: this process, evaluating one trial at a time
//! with a [`TrialReporter`] handed to its training, or worker processes behind a
//! [`TrialDispatch`]; and the [`TrialHooks`] every in-process trial reports through (the run's
//! objective, pruner and event sink).

use super::trial_failure::evaluate_guarded;
use super::{Objective, Trial, TrialDispatch};
use crate::events::{
    remove_trial_checkpoint, trial_checkpoint_dir, EventSink, Pruning, RunEvent, TrialReporter,
};
use crate::pruner::CurveEnd;
use crate::EstimError;
use modnas_core::MetricMap;
use modnas_optim::Fidelity;
use modnas_param_space::ArchDesc;
use std::path::PathBuf;
use std::time::Instant;

/// What trials in training report to: the objective, the run's pruner with its curves, and
/// the journal's event sink.
pub(crate) struct TrialHooks<'o> {
    pub(crate) objective: &'o Objective,
    pub(crate) pruning: Option<Pruning>,
    pub(crate) sink: Option<EventSink>,
    /// The run directory, where trials checkpoint each epoch; `None`: they do not.
    pub(crate) run_dir: Option<PathBuf>,
}

impl TrialHooks<'_> {
    /// Gives a replayed trial's curve back to the pruner.
    pub(crate) fn replayed(&mut self, trial: &Trial) {
        if let Some(p) = self.pruning.as_mut() {
            let end = CurveEnd::of(trial.pruned.is_some(), trial.error.is_some());
            p.replay(trial.index, &trial.curve, end);
        }
    }
}

/// What a trial that reported its epochs gave: its metrics (those of its last epoch when it
/// was pruned), why it failed, why it was pruned, and its epochs and curve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reported {
    /// The metrics.
    pub metrics: MetricMap,
    /// Why the trial failed, if it did.
    pub error: Option<String>,
    /// Why a pruner stopped it, if one did.
    pub pruned: Option<String>,
    /// Epochs it reported (`None` when it reported none).
    pub epochs: Option<usize>,
    /// The objective after each epoch (higher better; NaN where an epoch had none).
    pub curve: Vec<f64>,
    /// The share of the training data it trained on, when its optimizer chose one.
    pub data_fraction: Option<f64>,
}

/// Runs `evaluate` with `reporter` as `evaluate_guarded` does, and records a pruned trial
/// (its training returned [`EstimError::Pruned`]) with its last reported metrics; the
/// reporter's pruner hears how the trial ended. A local trial and a worker's go through it.
pub fn evaluate_reported(
    objective: &str,
    reporter: &mut TrialReporter<'_>,
    evaluate: impl FnOnce(&mut TrialReporter<'_>) -> Result<MetricMap, EstimError>,
) -> Result<Reported, EstimError> {
    let mut pruned = None;
    let (metrics, error) = evaluate_guarded(objective, || match evaluate(reporter) {
        Err(EstimError::Pruned { reason, .. }) => {
            pruned = Some(reason);
            Ok(reporter
                .last()
                .map(|r| r.metrics.clone())
                .unwrap_or_default())
        }
        other => other,
    })?;
    let data_fraction = reporter.data_fraction();
    if let (None, None, Some(f)) = (&pruned, &error, data_fraction) {
        // Like a trial stopped early, one trained on part of the data is not a full result:
        // the optimizer learns from it, and it is never the best.
        pruned = Some(format!(
            "trained on {}, as its optimizer chose",
            modnas_optim::Fidelity::DataFraction(f)
        ));
    }
    reporter.finish(CurveEnd::of(pruned.is_some(), error.is_some()));
    Ok(Reported {
        metrics,
        error,
        pruned,
        epochs: (reporter.epochs() > 0).then(|| reporter.epochs()),
        curve: reporter.curve().to_vec(),
        data_fraction,
    })
}

/// Where the loop's results come from; `C` is the context the evaluation reads.
pub(crate) trait TrialSource<C> {
    /// How many trials to keep in flight.
    fn capacity(&self) -> usize;
    /// Takes trial `index`, to be evaluated (at `fidelity`, when the optimizer chose one).
    fn submit(
        &mut self,
        index: usize,
        arch: &ArchDesc,
        fidelity: Option<Fidelity>,
    ) -> Result<(), EstimError>;
    /// The next result of a submitted trial.
    fn next_result(&mut self, ctx: &C, hooks: &mut TrialHooks<'_>) -> Result<Trial, EstimError>;
    /// Trial `index` was passed to the optimizer as its `seq`-th result.
    fn stepped(&mut self, index: usize, seq: usize) -> Result<(), EstimError>;
}

/// Worker processes behind a dispatch.
pub(crate) struct Workers<'d>(pub(crate) &'d mut dyn TrialDispatch);

impl<C> TrialSource<C> for Workers<'_> {
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
    fn submit(
        &mut self,
        index: usize,
        arch: &ArchDesc,
        fidelity: Option<Fidelity>,
    ) -> Result<(), EstimError> {
        if let Some(fidelity) = fidelity {
            return Err(EstimError::InvalidArgs {
                component: "optimizer".into(),
                reason: format!(
                    "it chose {fidelity} for trial {index}, and workers train every trial \
                     fully: an optimizer that chooses fidelities (HyperbandOptim) runs its \
                     trials in the coordinator's process (no `storage`)"
                ),
            });
        }
        self.0.submit(index, arch)
    }
    fn next_result(&mut self, _: &C, hooks: &mut TrialHooks<'_>) -> Result<Trial, EstimError> {
        self.0.next_result(hooks.sink.as_ref())
    }
    fn stepped(&mut self, index: usize, seq: usize) -> Result<(), EstimError> {
        self.0.stepped(index, seq)
    }
}

/// This process: one trial at a time, evaluated by the estimator step when its result is
/// asked for (a replayed trial is never evaluated).
pub(crate) struct InProcess<F> {
    evaluate: F,
    queued: Option<(usize, ArchDesc, Option<Fidelity>)>,
}

impl<F> InProcess<F> {
    /// Evaluates with `evaluate(ctx, arch, index, reporter)`.
    pub(crate) fn new(evaluate: F) -> Self {
        Self {
            evaluate,
            queued: None,
        }
    }
}

impl<C, F> TrialSource<C> for InProcess<F>
where
    F: FnMut(&C, &ArchDesc, usize, &mut TrialReporter<'_>) -> Result<MetricMap, EstimError>,
{
    fn capacity(&self) -> usize {
        1
    }
    fn submit(
        &mut self,
        index: usize,
        arch: &ArchDesc,
        fidelity: Option<Fidelity>,
    ) -> Result<(), EstimError> {
        self.queued = Some((index, arch.clone(), fidelity));
        Ok(())
    }
    fn next_result(&mut self, ctx: &C, hooks: &mut TrialHooks<'_>) -> Result<Trial, EstimError> {
        let (index, arch, fidelity) = self.queued.take().ok_or_else(|| {
            EstimError::Record("a result was asked for, but no trial is queued".into())
        })?;
        if let Some(sink) = &hooks.sink {
            sink(&RunEvent::TrialStarted { index })?;
        }
        let t0 = Instant::now();
        let objective = hooks.objective;
        let sink = hooks.sink.clone();
        let mut reporter = TrialReporter::new(index, objective, hooks.pruning.as_mut(), sink)
            .with_fidelity(fidelity);
        let checkpoints = hooks
            .run_dir
            .as_deref()
            .map(|d| trial_checkpoint_dir(d, index));
        if let Some(dir) = &checkpoints {
            reporter = reporter.with_checkpoints(dir.clone());
        }
        let evaluate = &mut self.evaluate;
        let r = evaluate_reported(&objective.key, &mut reporter, |reporter| {
            evaluate(ctx, &arch, index, reporter)
        })?;
        let trial = Trial {
            index,
            arch,
            metrics: r.metrics,
            seconds: t0.elapsed().as_secs_f64(),
            error: r.error,
            epochs: r.epochs,
            curve: r.curve,
            pruned: r.pruned,
            data_fraction: r.data_fraction,
        };
        // Recorded next: its checkpoints are no longer needed (a run killed before the
        // record trains the trial again, to the same result).
        if let Some(dir) = checkpoints {
            if let Err(e) = remove_trial_checkpoint(&dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a finished trial's checkpoints");
            }
        }
        Ok(trial)
    }
    fn stepped(&mut self, _: usize, _: usize) -> Result<(), EstimError> {
        Ok(())
    }
}
