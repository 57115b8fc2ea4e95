//! `PercentilePruner` and `MedianPruner` (Optuna's, NNI's Medianstop): a trial stops when the
//! best score it has reached is worse than a percentile of the scores that completed trials
//! reported at the same epoch.

use super::pruner::{quantile, CurveEnd, Curves, Pruner};
use crate::{register_pruner, EstimError};
use serde::Deserialize;

/// Arguments of [`PercentilePruner`] (and of `MedianPruner`, whose `percentile` is 50).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentileArgs {
    /// The share of trials kept at each epoch, in percent: a trial whose best score so far
    /// is below the score this share of completed trials reached goes.
    #[config(default = 25.0)]
    pub percentile: f64,
    /// Completed trials needed before any trial is pruned.
    #[config(default = 5)]
    pub min_trials: usize,
    /// Epochs a trial trains before it can be pruned.
    #[serde(default)]
    pub warmup_epochs: usize,
    /// Prune only at every `interval`-th epoch after the warm-up.
    #[config(default = 1)]
    pub interval: usize,
}

/// Stops a trial below the `percentile`-th best percentile of completed trials at its epoch.
#[derive(Clone, Debug)]
pub struct PercentilePruner {
    args: PercentileArgs,
}

impl PercentilePruner {
    /// A pruner with `args`, checked: `percentile` within 0–100, `interval` ≥ 1.
    pub fn new(component: &str, args: PercentileArgs) -> Result<Self, EstimError> {
        let bad = |reason: String| EstimError::InvalidArgs {
            component: component.into(),
            reason,
        };
        if !(0.0..=100.0).contains(&args.percentile) {
            return Err(bad(format!(
                "`percentile` must be within 0 and 100, not {}",
                args.percentile
            )));
        }
        if args.interval == 0 {
            return Err(bad("`interval` must be at least 1".into()));
        }
        Ok(Self { args })
    }
}

impl Pruner for PercentilePruner {
    fn decide(&mut self, trial: usize, epoch: usize, curves: &Curves) -> Option<String> {
        let a = &self.args;
        if epoch <= a.warmup_epochs || !(epoch - a.warmup_epochs - 1).is_multiple_of(a.interval) {
            return None;
        }
        let completed = |_: usize, c: &super::TrialCurve| c.end == Some(CurveEnd::Completed);
        let n_completed = curves.iter().filter(|(i, c)| completed(*i, c)).count();
        if n_completed < a.min_trials {
            return None;
        }
        let others = curves.others_at(trial, epoch, completed);
        // The score that the best `percentile` % of the others reach.
        let bar = quantile(&others, 1.0 - a.percentile / 100.0);
        let best = curves.get(trial)?.best_until(epoch);
        let below = best.is_nan() || best < bar;
        (below && !bar.is_nan()).then(|| {
            format!(
                "epoch {epoch}: best score {best:.6} is below {bar:.6}, the {}th best \
                 percentile of {} completed trials",
                a.percentile,
                others.len()
            )
        })
    }
}

register_pruner!(
    /// stops a trial whose best score is below a percentile of completed trials at its epoch
    "PercentilePruner", |args: PercentileArgs| {
        Ok(Box::new(PercentilePruner::new("PercentilePruner", args)?))
    }
);

/// Arguments of `MedianPruner`: those of [`PercentileArgs`] without `percentile`.
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MedianArgs {
    /// Completed trials needed before any trial is pruned.
    #[config(default = 5)]
    pub min_trials: usize,
    /// Epochs a trial trains before it can be pruned.
    #[serde(default)]
    pub warmup_epochs: usize,
    /// Prune only at every `interval`-th epoch after the warm-up.
    #[config(default = 1)]
    pub interval: usize,
}

register_pruner!(
    /// stops a trial whose best score is below the median of completed trials at its epoch
    "MedianPruner", |m: MedianArgs| {
        let args = PercentileArgs {
            percentile: 50.0,
            min_trials: m.min_trials,
            warmup_epochs: m.warmup_epochs,
            interval: m.interval,
        };
        Ok(Box::new(PercentilePruner::new("MedianPruner", args)?))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_pruner;

    /// Completed trials 0..n with scores `curves[i]` per epoch.
    fn completed(curves: &[&[f64]]) -> Curves {
        let mut c = Curves::default();
        for (i, scores) in curves.iter().enumerate() {
            for (e, s) in scores.iter().enumerate() {
                c.report(i, e + 1, *s);
            }
            c.complete(i);
        }
        c
    }

    #[test]
    fn median_prunes_below_the_median_only() {
        let mut p = build_pruner("MedianPruner", &toml::toml! { min_trials = 3 }).unwrap();
        let mut c = completed(&[&[0.2, 0.4], &[0.3, 0.5], &[0.4, 0.6]]);
        c.report(9, 1, 0.35); // above the median 0.3
        assert_eq!(p.decide(9, 1, &c), None);
        c.report(9, 2, 0.45); // best 0.45 is below the median 0.5
        let why = p.decide(9, 2, &c).unwrap();
        assert!(why.contains("epoch 2") && why.contains("0.5"), "{why}");
    }

    #[test]
    fn the_best_score_so_far_counts_not_the_last() {
        let mut p = build_pruner("MedianPruner", &toml::toml! { min_trials = 3 }).unwrap();
        let mut c = completed(&[&[0.2, 0.2], &[0.3, 0.3], &[0.4, 0.4]]);
        c.report(9, 1, 0.9);
        c.report(9, 2, 0.1); // a dip, but 0.9 was reached
        assert_eq!(p.decide(9, 2, &c), None);
    }

    #[test]
    fn warmup_startup_and_interval_hold_pruning_back() {
        let c = {
            let mut c = completed(&[&[0.5, 0.5, 0.5], &[0.6, 0.6, 0.6]]);
            for e in 1..=3 {
                c.report(9, e, 0.0);
            }
            c
        };
        let args = |t: toml::Table| build_pruner("MedianPruner", &t).unwrap();
        assert_eq!(args(toml::toml! { min_trials = 3 }).decide(9, 1, &c), None);
        let mut warm = args(toml::toml! { min_trials = 2
        warmup_epochs = 1 });
        assert_eq!(warm.decide(9, 1, &c), None);
        assert!(warm.decide(9, 2, &c).is_some());
        let mut every2 = args(toml::toml! { min_trials = 2
        interval = 2 });
        assert!(every2.decide(9, 1, &c).is_some());
        assert_eq!(every2.decide(9, 2, &c), None);
        assert!(every2.decide(9, 3, &c).is_some());
    }

    #[test]
    fn pruned_and_running_trials_are_not_compared_with() {
        let mut p = build_pruner("MedianPruner", &toml::toml! { min_trials = 1 }).unwrap();
        let mut c = completed(&[&[0.1]]);
        c.report(1, 1, 0.9);
        c.end(1, CurveEnd::Pruned);
        c.report(2, 1, 0.95); // running
        c.report(9, 1, 0.5);
        assert_eq!(p.decide(9, 1, &c), None); // only trial 0 (0.1) counts
    }

    #[test]
    fn percentile_keeps_the_share_it_names() {
        let five: Vec<Vec<f64>> = (1..=5).map(|i| vec![i as f64 / 10.0]).collect();
        let refs: Vec<&[f64]> = five.iter().map(|v| v.as_slice()).collect();
        let mut c = completed(&refs);
        c.report(9, 1, 0.35);
        let mut top25 =
            build_pruner("PercentilePruner", &toml::toml! { percentile = 25.0 }).unwrap();
        assert!(top25.decide(9, 1, &c).is_some()); // the bar is 0.4
        let mut top75 =
            build_pruner("PercentilePruner", &toml::toml! { percentile = 75.0 }).unwrap();
        assert_eq!(top75.decide(9, 1, &c), None); // the bar is 0.2
    }

    #[test]
    fn bad_arguments_are_named() {
        let err = build_pruner("PercentilePruner", &toml::toml! { percentile = 120.0 })
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("percentile") && err.contains("120"), "{err}");
        let err = build_pruner("MedianPruner", &toml::toml! { percentile = 20.0 })
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("percentile"), "{err}");
    }
}
