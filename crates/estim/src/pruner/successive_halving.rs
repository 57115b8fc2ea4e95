//! `SuccessiveHalvingPruner`: asynchronous successive halving (ASHA, Li et al., 2020). Rungs
//! sit at `min_epochs · η^(s+k)` epochs; a trial reaching a rung goes on only if its score
//! there is among the best `1/η` of the scores every trial has reached at that rung so far.
//! Decisions use only the scores known now, so trials in flight and trials evaluated by
//! workers are judged as they arrive; while a rung holds fewer than η scores, only the best
//! of them goes on.

use super::pruner::{Curves, Pruner, TrialCurve};
use crate::{register_pruner, EstimError};
use serde::Deserialize;

/// Arguments of [`SuccessiveHalvingPruner`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessiveHalvingArgs {
    /// Epochs of the first rung (r).
    #[config(default = 1)]
    pub min_epochs: usize,
    /// η: a rung keeps the best 1/η of its trials, and the next rung is η times further.
    #[config(default = 3)]
    pub reduction_factor: usize,
    /// s: the first rung is at `min_epochs · η^s` epochs.
    #[serde(default)]
    pub min_early_stopping_rate: u32,
}

/// The ASHA pruner.
#[derive(Clone, Debug)]
pub struct SuccessiveHalvingPruner {
    args: SuccessiveHalvingArgs,
}

impl SuccessiveHalvingPruner {
    /// A pruner with `args`: `min_epochs` ≥ 1, `reduction_factor` ≥ 2.
    pub fn new(component: &str, args: SuccessiveHalvingArgs) -> Result<Self, EstimError> {
        if args.min_epochs == 0 || args.reduction_factor < 2 {
            return Err(EstimError::InvalidArgs {
                component: component.into(),
                reason: format!(
                    "`min_epochs` must be at least 1 and `reduction_factor` at least 2, not {} \
                     and {}",
                    args.min_epochs, args.reduction_factor
                ),
            });
        }
        Ok(Self { args })
    }

    /// The decision at `epoch` among the trials `peers` accepts (all of them for ASHA, one
    /// bracket's for Hyperband).
    pub(crate) fn decide_among(
        &self,
        trial: usize,
        epoch: usize,
        curves: &Curves,
        peers: impl Fn(usize, &TrialCurve) -> bool,
    ) -> Option<String> {
        let a = &self.args;
        let eta = a.reduction_factor;
        let first = a.min_epochs * eta.pow(a.min_early_stopping_rate);
        if !is_rung(epoch, first, eta) {
            return None;
        }
        let score = *curves.get(trial)?.scores.get(&epoch)?;
        let mut rung = curves.others_at(trial, epoch, peers);
        if score.is_nan() {
            return Some(format!("epoch {epoch}: the score is NaN at a rung"));
        }
        rung.push(score);
        rung.sort_by(|x, y| y.total_cmp(x)); // best first
                                             // The best 1/η go on; below η scores, the best one does.
        let kept = (rung.len() / eta).max(1);
        let bar = rung[kept - 1];
        (score < bar).then(|| {
            format!(
                "epoch {epoch}: score {score:.6} is not among the best {kept} of {} at this \
                 rung (bar {bar:.6})",
                rung.len()
            )
        })
    }
}

/// Whether `epoch` is a rung: `first · η^k` for some k ≥ 0.
fn is_rung(epoch: usize, first: usize, eta: usize) -> bool {
    let mut rung = first;
    while rung < epoch {
        rung = rung.saturating_mul(eta);
    }
    rung == epoch
}

impl Pruner for SuccessiveHalvingPruner {
    fn decide(&mut self, trial: usize, epoch: usize, curves: &Curves) -> Option<String> {
        self.decide_among(trial, epoch, curves, |_, _| true)
    }
}

register_pruner!(
    /// asynchronous successive halving (ASHA): at each rung only the best 1/η of trials go on
    "SuccessiveHalvingPruner", |args: SuccessiveHalvingArgs| {
        Ok(Box::new(SuccessiveHalvingPruner::new("SuccessiveHalvingPruner", args)?))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_pruner;

    #[test]
    fn rungs_are_geometric() {
        let rungs: Vec<usize> = (1..=30).filter(|e| is_rung(*e, 1, 3)).collect();
        assert_eq!(rungs, vec![1, 3, 9, 27]);
        let rungs: Vec<usize> = (1..=30).filter(|e| is_rung(*e, 2, 2)).collect();
        assert_eq!(rungs, vec![2, 4, 8, 16]);
    }

    #[test]
    fn a_rung_keeps_the_best_third() {
        let mut p = build_pruner("SuccessiveHalvingPruner", &toml::Table::new()).unwrap();
        let mut c = Curves::default();
        // Trials arrive one by one at rung 1 (epoch 1) with these scores.
        let scores = [0.5, 0.4, 0.6, 0.3, 0.7, 0.65];
        let mut kept = vec![];
        for (i, s) in scores.iter().enumerate() {
            c.report(i, 1, *s);
            kept.push(p.decide(i, 1, &c).is_none());
        }
        // 1st: alone, best. 2nd: below 0.5. 3rd: best of 3 → kept. 4th: below. 5th: best of
        // 5 (keep 1). 6th: 2nd best of 6 (keep 2).
        assert_eq!(kept, vec![true, false, true, false, true, true]);
        // Between rungs nothing is decided.
        c.report(1, 2, 0.0);
        assert_eq!(p.decide(1, 2, &c), None);
    }

    #[test]
    fn later_rungs_compare_only_trials_that_reached_them() {
        let mut p = build_pruner(
            "SuccessiveHalvingPruner",
            &toml::toml! { reduction_factor = 2 },
        )
        .unwrap();
        let mut c = Curves::default();
        c.report(0, 1, 0.9);
        c.report(0, 2, 0.5);
        c.report(1, 1, 0.1); // stopped at rung 1, never reaches epoch 2
        c.report(2, 1, 0.8);
        c.report(2, 2, 0.6);
        assert_eq!(p.decide(2, 2, &c), None); // best 1 of 2 at epoch 2
        assert!(p.decide(0, 2, &c).is_some());
    }

    #[test]
    fn min_early_stopping_rate_moves_the_first_rung() {
        let mut p = build_pruner(
            "SuccessiveHalvingPruner",
            &toml::toml! { min_early_stopping_rate = 1 },
        )
        .unwrap();
        let mut c = Curves::default();
        c.report(0, 1, 0.9);
        c.report(1, 1, 0.1);
        assert_eq!(p.decide(1, 1, &c), None); // epoch 1 is no rung now; 3 is
        c.report(0, 3, 0.9);
        c.report(1, 3, 0.1);
        assert!(p.decide(1, 3, &c).is_some());
    }

    #[test]
    fn a_reduction_factor_below_two_is_refused() {
        let err = build_pruner(
            "SuccessiveHalvingPruner",
            &toml::toml! { reduction_factor = 1 },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("reduction_factor"), "{err}");
    }
}
