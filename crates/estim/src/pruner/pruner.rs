//! [`Pruner`]: stops trials whose learning curves fall behind (Optuna's pruners, NNI's
//! assessors), decided each time a trial reports an epoch. [`Curves`] is what every pruner
//! reads: the objective each trial reported after each epoch, oriented so that higher is
//! better, and how each trial ended. Pruned trials are not failures: they are recorded with
//! their last metrics and the optimizer learns from them.
//!
//! ```
//! use modnas_estim::{build_pruner, Curves};
//! let mut median = build_pruner("MedianPruner", &toml::toml! { min_trials = 2 }).unwrap();
//! let mut curves = Curves::default();
//! for (trial, acc) in [(0, 0.9), (1, 0.8)] {
//!     curves.report(trial, 1, acc);
//!     curves.complete(trial);
//! }
//! curves.report(2, 1, 0.1);
//! assert!(median.decide(2, 1, &curves).is_some()); // below the median of 0.9 and 0.8
//! ```

use crate::EstimError;
use std::collections::BTreeMap;

/// Decides, after a trial reports an epoch, whether it goes on.
pub trait Pruner: Send {
    /// Whether trial `trial`, which has just reported epoch `epoch` (1-based: epochs trained)
    /// in `curves`, stops now: `Some(reason)` prunes it.
    fn decide(&mut self, trial: usize, epoch: usize, curves: &Curves) -> Option<String>;
}

/// How a trial's training ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveEnd {
    /// It trained every epoch.
    Completed,
    /// A pruner stopped it.
    Pruned,
    /// It failed.
    Failed,
}

impl CurveEnd {
    /// How a recorded trial ended: pruned when a pruner stopped it (or its fidelity ended
    /// it), failed when it has an error, else completed.
    pub fn of(pruned: bool, failed: bool) -> Self {
        match (pruned, failed) {
            (true, _) => CurveEnd::Pruned,
            (false, true) => CurveEnd::Failed,
            (false, false) => CurveEnd::Completed,
        }
    }
}

/// One trial's reported scores (the objective, higher better), by epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialCurve {
    /// Epoch (1-based) → score.
    pub scores: BTreeMap<usize, f64>,
    /// How it ended; `None` while it trains.
    pub end: Option<CurveEnd>,
}

impl TrialCurve {
    /// The best score reported up to `epoch` (NaN scores ignored; NaN when there is none).
    pub fn best_until(&self, epoch: usize) -> f64 {
        self.scores
            .range(..=epoch)
            .map(|(_, s)| *s)
            .filter(|s| !s.is_nan())
            .fold(f64::NAN, f64::max)
    }
}

/// Every trial's learning curve in a run, as pruners read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curves {
    trials: BTreeMap<usize, TrialCurve>,
}

impl Curves {
    /// Trial `trial` scored `score` (higher better) after `epoch` epochs.
    pub fn report(&mut self, trial: usize, epoch: usize, score: f64) {
        self.trials
            .entry(trial)
            .or_default()
            .scores
            .insert(epoch, score);
    }

    /// Trial `trial` trained all its epochs.
    pub fn complete(&mut self, trial: usize) {
        self.end(trial, CurveEnd::Completed);
    }

    /// Trial `trial` ended as `end`.
    pub fn end(&mut self, trial: usize, end: CurveEnd) {
        self.trials.entry(trial).or_default().end = Some(end);
    }

    /// Trial `trial`'s curve, if it reported.
    pub fn get(&self, trial: usize) -> Option<&TrialCurve> {
        self.trials.get(&trial)
    }

    /// Every curve, by trial index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &TrialCurve)> {
        self.trials.iter().map(|(i, c)| (*i, c))
    }

    /// The scores at `epoch` of the trials other than `trial` that `keep` accepts (NaN ones
    /// left out).
    pub fn others_at(
        &self,
        trial: usize,
        epoch: usize,
        keep: impl Fn(usize, &TrialCurve) -> bool,
    ) -> Vec<f64> {
        self.iter()
            .filter(|(i, c)| *i != trial && keep(*i, c))
            .filter_map(|(_, c)| c.scores.get(&epoch).copied())
            .filter(|s| !s.is_nan())
            .collect()
    }
}

modnas_core::table_registry!(
    /// A registered pruner.
    PrunerEntry, "pruner", PrunerBuildFn -> Box<dyn Pruner>, EstimError;
    build_pruner, pruner_names
);

/// Registers a pruner: its doc comment (what `modnas list --detail` says of it), its name and a
/// closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the component) to the pruner, or `|| …` when it takes no
/// arguments (any key is refused).
#[macro_export]
macro_rules! register_pruner {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::PrunerEntry, $crate::parse_args; $($t)*);
    };
}

/// The `q`-quantile (0 ≤ q ≤ 1) of `values`, linearly interpolated; NaN for none.
pub(crate) fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.75), 4.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn best_until_ignores_later_epochs_and_nan() {
        let mut c = Curves::default();
        c.report(0, 1, 0.5);
        c.report(0, 2, f64::NAN);
        c.report(0, 3, 0.9);
        assert_eq!(c.get(0).unwrap().best_until(2), 0.5);
        assert_eq!(c.get(0).unwrap().best_until(3), 0.9);
    }

    #[test]
    fn others_at_leaves_out_the_trial_and_missing_epochs() {
        let mut c = Curves::default();
        c.report(0, 1, 0.5);
        c.report(1, 1, 0.7);
        c.report(2, 2, 0.9);
        c.complete(0);
        assert_eq!(c.others_at(1, 1, |_, _| true), vec![0.5]);
        assert_eq!(
            c.others_at(9, 1, |_, c| c.end == Some(CurveEnd::Completed)),
            vec![0.5]
        );
    }

    #[test]
    fn unknown_pruners_list_the_known_ones() {
        let err = build_pruner("Nope", &toml::Table::new())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("MedianPruner"), "{err}");
    }
}
