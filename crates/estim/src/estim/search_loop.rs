//! The search routine (paper, Algorithm 2): the optimizer proposes, the estimator step evaluates
//! (the transform routine runs inside it, when the estimator sets the network to the
//! architecture), the trial is recorded, and the optimizer learns from it; until a trial or time
//! budget is used or the optimizer is exhausted.
//!
//! One loop serves local and distributed runs: evaluating in this process is a source of
//! results that keeps one trial in flight, workers behind a [`TrialDispatch`] are one that keeps
//! several. So both follow the same budget, replay and recording rules.

use super::trial_source::{InProcess, TrialHooks, TrialSource, Workers};
use super::{
    Revisit, SearchArgs, SearchContext, SearchOutcome, StopReason, Trial, TrialEstim, TrialObserver,
};
use crate::events::{Pruning, TrialReporter};
use crate::EstimError;
use modnas_core::MetricMap;
use modnas_optim::{ArchOptim, Fidelity};
use modnas_param_space::ArchDesc;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// How many proposals in a row may repeat evaluated architectures before the search stops:
/// answering one costs an optimizer step, so this bounds a used-up space or a collapsed policy.
pub const REPEAT_LIMIT: usize = 1000;

/// Keeps the best trial by an objective.
pub(crate) struct BestTracker {
    objective: super::Objective,
    best: Option<(f64, Trial)>,
}

impl BestTracker {
    pub(crate) fn new(objective: super::Objective) -> Self {
        Self {
            objective,
            best: None,
        }
    }

    pub(crate) fn offer(&mut self, trial: &Trial) -> Result<(), EstimError> {
        let v = self.objective.value(&trial.metrics)?;
        let better = match &self.best {
            None => !v.is_nan(),
            Some((b, _)) => self.objective.better(v, *b),
        };
        if better {
            self.best = Some((v, trial.clone()));
        }
        Ok(())
    }

    pub(crate) fn into_best(self) -> Option<Trial> {
        self.best.map(|(_, t)| t)
    }
}

/// [`search_loop`] with the estimator's own [`TrialEstim::evaluate_trial`] as the estimator
/// step, so that a local run and a worker evaluate a trial the same way.
pub(crate) fn search_trials(
    estim: &dyn TrialEstim,
    ctx: &mut SearchContext<'_>,
    search: &SearchArgs,
) -> Result<SearchOutcome, EstimError> {
    search_loop_reporting(ctx, search, |ctx, arch, index, reporter| {
        estim.evaluate_trial(ctx, arch, index, reporter)
    })
}

/// Runs Algorithm 2 with `evaluate` as the estimator step, within `search`'s budget; with a
/// [`SearchContext::dispatch`], worker processes evaluate the trials instead, up to the
/// dispatch's capacity at once, and the optimizer learns from each result as it arrives.
///
/// The trials of `SearchContext::replay` are the results an earlier process of this run
/// already passed to the optimizer, in that order: the optimizer proposes again, must propose
/// the recorded architectures, and learns the recorded results in the same order, so a resumed
/// run goes on exactly as the interrupted one would have. Their evaluation time, divided by the
/// number of trials kept in flight, counts against the time budget. A budget stops new
/// proposals; trials already in flight are still collected.
pub fn search_loop(
    ctx: &mut SearchContext<'_>,
    search: &SearchArgs,
    mut evaluate: impl FnMut(&SearchContext<'_>, &ArchDesc, usize) -> Result<MetricMap, EstimError>,
) -> Result<SearchOutcome, EstimError> {
    search_loop_reporting(ctx, search, move |ctx, arch, index, _| {
        evaluate(ctx, arch, index)
    })
}

/// [`search_loop`] with an estimator step that trains epoch by epoch and reports each epoch
/// to the [`TrialReporter`] it is handed (the run's callbacks see it, the run's pruner may
/// stop the trial: see [`SearchContext::pruning`]).
pub fn search_loop_reporting(
    ctx: &mut SearchContext<'_>,
    search: &SearchArgs,
    evaluate: impl FnMut(
        &SearchContext<'_>,
        &ArchDesc,
        usize,
        &mut TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError>,
) -> Result<SearchOutcome, EstimError> {
    match ctx.dispatch.take() {
        Some(dispatch) => {
            // Workers prune their own trials, by the curves they share in the storage.
            ctx.pruning = None;
            let outcome = run_trials(ctx, search, &mut Workers(&mut *dispatch));
            ctx.dispatch = Some(dispatch);
            outcome
        }
        None => run_trials(ctx, search, &mut InProcess::new(evaluate)),
    }
}

/// Algorithm 2 with a user's own estimator step: `optim` proposes, `evaluate(arch, index)`
/// builds, trains and evaluates the architecture however the user does (NNI's functional
/// evaluator), `observer` records the trial, and the optimizer learns from it; within
/// `search`'s budget. A failed evaluation (an error of the architecture, a panic, a NaN
/// objective) is recorded as a failed trial and the search goes on; `replay` are the trials an
/// interrupted run recorded, passed to the optimizer again instead of evaluated.
///
/// ```
/// use modnas_estim::{search_with, SearchArgs, Trial, TrialObserver, EstimError};
/// use modnas_param_space::{Categorical, ParamSpace};
/// use modnas_core::MetricMap;
/// # fn main() -> Result<(), EstimError> {
/// let mut space = ParamSpace::new();
/// space.insert("width", Categorical::new([8i64, 16, 32]).unwrap()).unwrap();
/// let mut optim = modnas_optim::build_optim("GridSearchOptim", &space, &toml::Table::new(), 0)?;
/// struct Keep(Vec<Trial>);
/// impl TrialObserver for Keep {
///     fn on_trial(&mut self, t: &Trial) -> Result<(), EstimError> { self.0.push(t.clone()); Ok(()) }
/// }
/// let mut kept = Keep(vec![]);
/// let search = SearchArgs::new(Some(3), "score", true);
/// let outcome = search_with(optim.as_mut(), &mut kept, &[], &search, |arch, _| {
///     let width = arch.get("width").and_then(|v| v.as_i64()).unwrap_or(0);
///     Ok(MetricMap::from([("score".to_string(), width as f64)]))
/// })?;
/// assert_eq!(outcome.best.unwrap().metrics["score"], 32.0);
/// assert_eq!(kept.0.len(), 3);
/// # Ok(())
/// # }
/// ```
pub fn search_with(
    optim: &mut dyn ArchOptim,
    observer: &mut dyn TrialObserver,
    replay: &[Trial],
    search: &SearchArgs,
    mut evaluate: impl FnMut(&ArchDesc, usize) -> Result<MetricMap, EstimError>,
) -> Result<SearchOutcome, EstimError> {
    let evaluate = move |arch: &ArchDesc, index, _: &mut TrialReporter<'_>| evaluate(arch, index);
    search_with_reporting(
        optim,
        observer,
        replay,
        search,
        Reporting::default(),
        evaluate,
    )
}

/// What trials in training report to besides the observer's callbacks.
#[derive(Default)]
pub struct Reporting {
    /// The run's pruner, which stops trials whose curves fall behind.
    pub pruning: Option<Pruning>,
    /// The run directory: training code that checkpoints through its reporter
    /// ([`TrialReporter::checkpoint`]) writes there after each epoch, and resumes an
    /// interrupted trial from it. `None`: trials do not checkpoint.
    pub checkpoints: Option<std::path::PathBuf>,
}

/// [`search_with`] whose evaluation reports each epoch to the [`TrialReporter`] it is handed
/// (`reporter.report(epoch, metrics)?`): the observer's event sink sees every report, and
/// `reporting.pruning`, when set, stops trials whose curves fall behind. A pruned trial is
/// recorded with its last reported metrics, its epochs and the reason, and the optimizer
/// learns from it.
///
/// ```
/// use modnas_estim::{build_pruner, search_with_reporting, EstimError, Pruning, Reporting, SearchArgs, Trial, TrialObserver};
/// use modnas_param_space::{Categorical, ParamSpace};
/// use modnas_core::MetricMap;
/// # fn main() -> Result<(), EstimError> {
/// let mut space = ParamSpace::new();
/// space.insert("rate", Categorical::new([6i64, 5, 4, 3, 2, 1]).unwrap()).unwrap();
/// let mut optim = modnas_optim::build_optim("GridSearchOptim", &space, &toml::Table::new(), 0)?;
/// struct Keep(Vec<Trial>);
/// impl TrialObserver for Keep {
///     fn on_trial(&mut self, t: &Trial) -> Result<(), EstimError> { self.0.push(t.clone()); Ok(()) }
/// }
/// let mut kept = Keep(vec![]);
/// let asha = Pruning::new(build_pruner("SuccessiveHalvingPruner", &toml::Table::new())?);
/// let reporting = Reporting { pruning: Some(asha), checkpoints: None };
/// let search = SearchArgs::new(Some(6), "acc", true);
/// search_with_reporting(optim.as_mut(), &mut kept, &[], &search, reporting, |arch, _, reporter| {
///     let rate = arch.get("rate").and_then(|v| v.as_i64()).unwrap_or(1) as f64;
///     let mut acc = 0.0;
///     for epoch in 1..=9 {
///         acc = 1.0 - (-(rate * epoch as f64) / 20.0).exp(); // one epoch of training
///         reporter.report(epoch, MetricMap::from([("acc".to_string(), acc)]))?;
///     }
///     Ok(MetricMap::from([("acc".to_string(), acc)]))
/// })?;
/// let epochs: usize = kept.0.iter().map(|t| t.epochs.unwrap()).sum();
/// assert!(kept.0.iter().any(|t| t.pruned.is_some()));
/// assert!(epochs < 6 * 9);
/// # Ok(())
/// # }
/// ```
pub fn search_with_reporting(
    optim: &mut dyn ArchOptim,
    observer: &mut dyn TrialObserver,
    replay: &[Trial],
    search: &SearchArgs,
    reporting: Reporting,
    mut evaluate: impl FnMut(&ArchDesc, usize, &mut TrialReporter<'_>) -> Result<MetricMap, EstimError>,
) -> Result<SearchOutcome, EstimError> {
    let mut ctx = FunctionalCtx {
        optim,
        observer,
        replay,
        reporting,
    };
    let evaluate = |_: &FunctionalCtx<'_>, arch: &ArchDesc, index, r: &mut TrialReporter<'_>| {
        evaluate(arch, index, r)
    };
    run_trials(&mut ctx, search, &mut InProcess::new(evaluate))
}

/// What the loop needs of its context: the optimizer, where trials go, the trials to replay.
trait LoopCtx<'r> {
    fn optim(&mut self) -> &mut dyn ArchOptim;
    fn observer(&mut self) -> &mut dyn TrialObserver;
    fn replay(&self) -> &'r [Trial];
    /// The optimizer and the observer at once (proposals are announced as they are made).
    fn optim_and_observer(&mut self) -> (&mut dyn ArchOptim, &mut dyn TrialObserver);
    /// The run's pruner, taken for the loop.
    fn take_pruning(&mut self) -> Option<Pruning>;
    /// The run directory, where trials checkpoint.
    fn run_dir(&self) -> Option<std::path::PathBuf>;
}

impl<'a> LoopCtx<'a> for SearchContext<'a> {
    fn optim_and_observer(&mut self) -> (&mut dyn ArchOptim, &mut dyn TrialObserver) {
        (self.optim, self.observer)
    }
    fn optim(&mut self) -> &mut dyn ArchOptim {
        self.optim
    }
    fn observer(&mut self) -> &mut dyn TrialObserver {
        self.observer
    }
    fn replay(&self) -> &'a [Trial] {
        self.replay
    }
    fn take_pruning(&mut self) -> Option<Pruning> {
        self.pruning.take()
    }
    fn run_dir(&self) -> Option<std::path::PathBuf> {
        self.run_dir.map(|d| d.to_path_buf())
    }
}

/// The context of [`search_with`]: no network builder, data or trainer, which the user's
/// evaluation owns.
struct FunctionalCtx<'r> {
    optim: &'r mut dyn ArchOptim,
    observer: &'r mut dyn TrialObserver,
    replay: &'r [Trial],
    reporting: Reporting,
}

impl<'r> LoopCtx<'r> for FunctionalCtx<'r> {
    fn optim_and_observer(&mut self) -> (&mut dyn ArchOptim, &mut dyn TrialObserver) {
        (self.optim, self.observer)
    }
    fn optim(&mut self) -> &mut dyn ArchOptim {
        self.optim
    }
    fn observer(&mut self) -> &mut dyn TrialObserver {
        self.observer
    }
    fn replay(&self) -> &'r [Trial] {
        self.replay
    }
    fn take_pruning(&mut self) -> Option<Pruning> {
        self.reporting.pruning.take()
    }
    fn run_dir(&self) -> Option<std::path::PathBuf> {
        self.reporting.checkpoints.clone()
    }
}

/// An evaluated architecture's key: its summary, and the fidelity it trained at when an
/// optimizer chose one (a proposal at another fidelity is evaluated again).
fn evaluated_key(arch: &ArchDesc, fidelity: Option<Fidelity>) -> String {
    match fidelity {
        Some(f) => format!("{} @{}", arch.summary(), f.key()),
        None => arch.summary(),
    }
}

/// The state of one run of the loop.
struct LoopState<'r> {
    start: Instant,
    search: &'r SearchArgs,
    capacity: usize,
    replay: &'r [Trial],
    recorded: BTreeMap<usize, &'r Trial>,
    best: BestTracker,
    /// Trials in flight: architecture and fidelity.
    in_flight: BTreeMap<usize, (ArchDesc, Option<Fidelity>)>,
    proposed: usize,
    seq: usize,
    failed: usize,
    /// Epochs the learnt trials trained, over all the data (compute accounting,
    /// `max_epochs`).
    epochs: f64,
    replayed_seconds: f64,
    stop: Option<StopReason>,
    /// The results learnt so far, by architecture (`ArchDesc::summary`).
    evaluated: HashMap<String, MetricMap>,
    /// Proposals answered from `evaluated`, all told and in a row.
    repeats: usize,
    repeat_streak: usize,
}

impl<'r> LoopState<'r> {
    fn new(search: &'r SearchArgs, capacity: usize, replay: &'r [Trial]) -> Self {
        Self {
            start: Instant::now(),
            search,
            capacity: capacity.max(1),
            replay,
            recorded: replay.iter().map(|t| (t.index, t)).collect(),
            best: BestTracker::new(search.objective.clone()),
            in_flight: BTreeMap::new(),
            proposed: 0,
            seq: 0,
            failed: 0,
            epochs: 0.0,
            replayed_seconds: 0.0,
            stop: None,
            evaluated: HashMap::new(),
            repeats: 0,
            repeat_streak: 0,
        }
    }

    /// Answers a proposal of an architecture evaluated at the same fidelity with its recorded
    /// result (unless the run re-evaluates them); true when it did.
    fn answer_repeat(
        &mut self,
        optim: &mut dyn ArchOptim,
        arch: &ArchDesc,
        fidelity: Option<Fidelity>,
    ) -> Result<bool, EstimError> {
        if self.search.revisit == Revisit::Evaluate {
            return Ok(false);
        }
        let Some(metrics) = self.evaluated.get(&evaluated_key(arch, fidelity)) else {
            self.repeat_streak = 0;
            return Ok(false);
        };
        optim.step(arch, metrics)?;
        self.repeats += 1;
        self.repeat_streak += 1;
        if self.repeat_streak >= REPEAT_LIMIT {
            self.stop = Some(StopReason::OnlyRepeats);
        }
        Ok(true)
    }

    /// The reason to propose nothing more, if a budget is spent.
    fn spent(&self) -> Option<StopReason> {
        let budget = self.search.budget;
        if budget.trials.is_some_and(|t| self.proposed >= t) {
            return Some(StopReason::TrialBudget);
        }
        if budget.epochs.is_some_and(|e| self.epochs >= e as f64) {
            return Some(StopReason::EpochBudget);
        }
        let elapsed = self.start.elapsed().as_secs_f64() + self.replayed_seconds;
        budget
            .seconds
            .is_some_and(|s| elapsed >= s)
            .then_some(StopReason::TimeBudget)
    }

    /// Proposes and submits trials until `capacity` are in flight, a budget is spent or the
    /// optimizer has nothing to propose.
    fn fill<C>(
        &mut self,
        (optim, observer): (&mut dyn ArchOptim, &mut dyn TrialObserver),
        source: &mut dyn TrialSource<C>,
    ) -> Result<(), EstimError> {
        while self.stop.is_none() && self.in_flight.len() < self.capacity {
            if let Some(reason) = self.spent() {
                self.stop = Some(reason);
                break;
            }
            let room = self.capacity - self.in_flight.len();
            let want = (self.search.budget.trials).map_or(room, |t| room.min(t - self.proposed));
            let archs = optim.next(want)?;
            if archs.is_empty() {
                // With trials in flight the optimizer may only be waiting for their results.
                if self.in_flight.is_empty() {
                    self.stop = Some(StopReason::Exhausted);
                }
                break;
            }
            for arch in archs.into_iter().take(want) {
                if self.stop.is_some() {
                    break;
                }
                let fidelity = optim.fidelity(&arch);
                if self.answer_repeat(optim, &arch, fidelity)? {
                    continue;
                }
                match self.recorded.get(&self.proposed) {
                    Some(rec) if rec.arch != arch => {
                        return Err(EstimError::ResumeMismatch {
                            index: self.proposed,
                            recorded: rec.arch.summary(),
                            proposed: arch.summary(),
                        });
                    }
                    Some(_) => {}
                    None => observer.on_proposed(self.proposed, &arch)?,
                }
                // A restarted coordinator queues its trials again; a dispatch keeps the first
                // copy (and its result, if any).
                source.submit(self.proposed, &arch, fidelity)?;
                self.in_flight.insert(self.proposed, (arch, fidelity));
                self.proposed += 1;
            }
        }
        Ok(())
    }

    /// The next result: a replayed one, or a new one from `source`, recorded first (the
    /// dispatch's record, then the observers'), so that a restarted coordinator rebuilds the
    /// journal from it and a failing optimizer step never loses an evaluated trial.
    fn next_result<'c, C: LoopCtx<'c>>(
        &mut self,
        ctx: &mut C,
        source: &mut dyn TrialSource<C>,
        hooks: &mut TrialHooks<'_>,
    ) -> Result<Trial, EstimError> {
        if let Some(rec) = self.replay.get(self.seq) {
            self.replayed_seconds += rec.seconds / self.capacity as f64;
            hooks.replayed(rec);
            return Ok(rec.clone());
        }
        // The observer logs the trial (the facade's log is one of the run's subscribers).
        let trial = source.next_result(&*ctx, hooks)?;
        source.stepped(trial.index, self.seq)?;
        ctx.observer().on_trial(&trial)?;
        Ok(trial)
    }

    /// Takes `trial` out of flight and lets the optimizer learn from it.
    fn learn(&mut self, optim: &mut dyn ArchOptim, trial: &Trial) -> Result<(), EstimError> {
        let Some((_, fidelity)) = self.in_flight.remove(&trial.index) else {
            return Err(EstimError::Record(format!(
                "trial {} came back but was not in flight (in flight: {:?})",
                trial.index,
                self.in_flight.keys().collect::<Vec<_>>()
            )));
        };
        self.failed += usize::from(trial.error.is_some());
        self.epochs += trial.compute_epochs();
        // A pruned trial's metrics are those of fewer epochs: the optimizer learns from them,
        // but the best trial is one that trained to the end.
        if trial.pruned.is_none() {
            self.best.offer(trial)?;
        }
        optim.step(&trial.arch, &trial.metrics)?;
        if self.search.revisit == Revisit::Answer {
            self.evaluated
                .insert(evaluated_key(&trial.arch, fidelity), trial.metrics.clone());
        }
        self.seq += 1;
        Ok(())
    }
}

/// The loop of [`search_loop`] over `source`.
fn run_trials<'r, C: LoopCtx<'r>>(
    ctx: &mut C,
    search: &SearchArgs,
    source: &mut dyn TrialSource<C>,
) -> Result<SearchOutcome, EstimError> {
    let mut state = LoopState::new(search, source.capacity(), ctx.replay());
    let mut hooks = TrialHooks {
        objective: &search.objective,
        pruning: ctx.take_pruning(),
        sink: ctx.observer().event_sink(),
        run_dir: ctx.run_dir(),
    };
    loop {
        state.fill(ctx.optim_and_observer(), source)?;
        if state.in_flight.is_empty() {
            break;
        }
        let trial = state.next_result(ctx, source, &mut hooks)?;
        state.learn(ctx.optim(), &trial)?;
    }
    if state.repeats > 0 {
        tracing::info!(
            repeats = state.repeats,
            "proposals of evaluated architectures were answered from their records"
        );
    }
    if state.seq < state.replay.len() {
        tracing::warn!(
            recorded = state.replay.len(),
            budget = state.seq,
            "the journal holds more trials than this budget; the later ones were not replayed"
        );
    }
    let best = state.best.into_best();
    if best.is_none() && state.seq > state.failed {
        // Successes, all pruned or at a lower fidelity: the budget ended too early.
        tracing::warn!(
            trials = state.seq,
            "no trial trained to the end (each success was pruned or trained at a lower fidelity), so the run has no best: raise the trial budget (HyperbandOptim's first bracket needs all its rounds, docs/runs.md)"
        );
    }
    Ok(SearchOutcome {
        best,
        trials: state.seq,
        failed: state.failed,
        repeats: state.repeats,
        stop: state.stop.unwrap_or(StopReason::Exhausted),
    })
}
