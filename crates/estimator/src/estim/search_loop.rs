//! The search routine (paper, Algorithm 2): estimator step → record → optimizer step →
//! transform, until a trial or time budget is used or the optimizer is exhausted.

use super::{SearchContext, SearchOutcome, StopReason, Trial};
use crate::EstimError;
use modnas_param_space::{ArchDesc, MetricMap};
use serde::Deserialize;
use std::time::Instant;

/// Whether the objective is maximised or minimised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Higher is better (accuracy).
    #[default]
    Max,
    /// Lower is better (loss, latency).
    Min,
}

/// The metric a search optimises.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// Metric key.
    pub key: String,
    /// Direction.
    pub mode: Mode,
}

impl Objective {
    /// The objective's value in `metrics`.
    pub fn value(&self, metrics: &MetricMap) -> Result<f64, EstimError> {
        metrics
            .get(&self.key)
            .copied()
            .ok_or_else(|| EstimError::MissingObjective {
                objective: self.key.clone(),
                available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// True when `a` is strictly better than `b` (NaN is never better).
    pub fn better(&self, a: f64, b: f64) -> bool {
        match self.mode {
            Mode::Max => a > b,
            Mode::Min => a < b,
        }
    }
}

/// Limits of a search run; `None` means unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    /// Maximum number of trials.
    pub trials: Option<usize>,
    /// Maximum wall-clock seconds (checked before each trial).
    pub seconds: Option<f64>,
}

/// Keeps the best trial by an objective.
pub(crate) struct BestTracker {
    objective: Objective,
    best: Option<(f64, Trial)>,
}

impl BestTracker {
    pub(crate) fn new(objective: Objective) -> Self {
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

/// Runs Algorithm 2 with `evaluate` as the estimator step.
pub fn search_loop(
    ctx: &mut SearchContext<'_>,
    budget: Budget,
    objective: Objective,
    mut evaluate: impl FnMut(&SearchContext<'_>, &ArchDesc, usize) -> Result<MetricMap, EstimError>,
) -> Result<SearchOutcome, EstimError> {
    let start = Instant::now();
    let mut best = BestTracker::new(objective);
    let mut index = 0;
    let stop = loop {
        if budget.trials.is_some_and(|t| index >= t) {
            break StopReason::TrialBudget;
        }
        if budget
            .seconds
            .is_some_and(|s| start.elapsed().as_secs_f64() >= s)
        {
            break StopReason::TimeBudget;
        }
        let Some(arch) = ctx.optim.next(1)?.into_iter().next() else {
            break StopReason::Exhausted;
        };
        let t0 = Instant::now();
        let metrics = evaluate(ctx, &arch, index)?;
        let trial = Trial {
            index,
            arch,
            metrics,
            seconds: t0.elapsed().as_secs_f64(),
        };
        tracing::info!(trial = index, arch = %trial.arch.summary(), metrics = ?trial.metrics, "trial evaluated");
        // Record first, so a failing optimizer step never loses an evaluated trial.
        ctx.observer.on_trial(&trial)?;
        best.offer(&trial)?;
        ctx.optim.step(&trial.arch, &trial.metrics)?;
        index += 1;
    };
    Ok(SearchOutcome {
        best: best.into_best(),
        trials: index,
        stop,
    })
}
