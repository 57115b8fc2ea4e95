//! `HyperbandPruner` (Li et al., 2018, as an asynchronous pruner): several successive-halving
//! brackets, each starting its rungs later (`min_early_stopping_rate` 0, 1, …), so that some
//! trials are judged early and aggressively and others only after longer training. Each trial
//! belongs to one bracket, in proportion to the bracket's budget, and is compared with its
//! bracket's trials only.

use super::pruner::{Curves, Pruner};
use super::successive_halving::{SuccessiveHalvingArgs, SuccessiveHalvingPruner};
use crate::{register_pruner, EstimError};
use serde::Deserialize;

/// Arguments of [`HyperbandPruner`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HyperbandArgs {
    /// Epochs of the earliest rung (r).
    #[config(default = 1)]
    pub min_epochs: usize,
    /// The epochs of a full training (R): brackets span `min_epochs` to `max_epochs`.
    pub max_epochs: usize,
    /// η of every bracket.
    #[config(default = 3)]
    pub reduction_factor: usize,
}

/// Hyperband's brackets of successive halving, as a pruner.
#[derive(Clone, Debug)]
pub struct HyperbandPruner {
    brackets: Vec<SuccessiveHalvingPruner>,
    /// Trials each bracket takes per cycle of `budget.iter().sum()` trials.
    budget: Vec<usize>,
}

impl HyperbandPruner {
    /// The pruner for `args`: ⌊log_η(R/r)⌋ + 1 brackets.
    pub fn new(args: HyperbandArgs) -> Result<Self, EstimError> {
        let eta = args.reduction_factor;
        let s_max = modnas_optim::hyperband_s_max(args.min_epochs, args.max_epochs, eta).map_err(
            |reason| EstimError::InvalidArgs {
                component: "HyperbandPruner".into(),
                reason,
            },
        )?;
        let n = s_max as usize + 1;
        let brackets = (0..n)
            .map(|s| {
                let sh = SuccessiveHalvingArgs {
                    min_epochs: args.min_epochs,
                    reduction_factor: eta,
                    min_early_stopping_rate: s as u32,
                };
                SuccessiveHalvingPruner::new("HyperbandPruner", sh)
            })
            .collect::<Result<_, _>>()?;
        // Hyperband's trial counts: the most aggressive bracket takes the most trials.
        let budget = (0..n)
            .map(|id| {
                let s = (n - 1 - id) as u32;
                (n * eta.pow(s)).div_ceil(s as usize + 1)
            })
            .collect();
        Ok(Self { brackets, budget })
    }

    /// The bracket of trial `index`: trials are dealt to brackets in proportion to their
    /// budgets, cycling.
    pub fn bracket_of(&self, index: usize) -> usize {
        let mut slot = index % self.budget.iter().sum::<usize>();
        for (id, b) in self.budget.iter().enumerate() {
            if slot < *b {
                return id;
            }
            slot -= b;
        }
        self.budget.len() - 1
    }

    /// How many brackets there are.
    pub fn brackets(&self) -> usize {
        self.brackets.len()
    }
}

impl Pruner for HyperbandPruner {
    fn decide(&mut self, trial: usize, epoch: usize, curves: &Curves) -> Option<String> {
        let bracket = self.bracket_of(trial);
        let peers = |i: usize, _: &super::TrialCurve| self.bracket_of(i) == bracket;
        self.brackets[bracket]
            .decide_among(trial, epoch, curves, peers)
            .map(|why| format!("{why} (bracket {bracket})"))
    }
}

register_pruner!(
    /// Hyperband: successive-halving brackets with staggered first rungs, trials dealt among them
    "HyperbandPruner", |args: HyperbandArgs| {
        Ok(Box::new(HyperbandPruner::new(args)?))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_pruner;

    fn hyperband(max_epochs: i64) -> HyperbandPruner {
        HyperbandPruner::new(
            crate::parse_args("", &toml::toml! { max_epochs = max_epochs }).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn brackets_and_budgets_follow_hyperband() {
        let h = hyperband(27);
        assert_eq!(h.brackets(), 4); // s = 0..3 for R/r = 27, η = 3
        assert_eq!(h.budget, vec![27, 12, 6, 4]); // ⌈4·3^s/(s+1)⌉, s = 3..0
        let dealt: Vec<usize> = (0..49).map(|i| h.bracket_of(i)).collect();
        assert_eq!(dealt.iter().filter(|b| **b == 0).count(), 27);
        assert_eq!(dealt.iter().filter(|b| **b == 3).count(), 4);
        assert_eq!(h.bracket_of(49), 0);
    }

    #[test]
    fn trials_compete_within_their_bracket_only() {
        let mut h = hyperband(9); // brackets 0 (rungs 1, 3, 9), 1 (3, 9), 2 (9)
        let b0: Vec<usize> = (0..20).filter(|i| h.bracket_of(*i) == 0).collect();
        let b1 = (0..20).find(|i| h.bracket_of(*i) == 1).unwrap();
        let mut c = Curves::default();
        c.report(b0[0], 1, 0.9);
        c.report(b1, 1, 0.1); // bracket 1 has no rung at epoch 1
        assert_eq!(h.decide(b1, 1, &c), None);
        c.report(b0[1], 1, 0.2);
        let why = h.decide(b0[1], 1, &c).unwrap();
        assert!(why.contains("bracket 0"), "{why}");
    }

    #[test]
    fn max_epochs_is_required_and_checked() {
        let err = build_pruner("HyperbandPruner", &toml::Table::new())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("max_epochs"), "{err}");
        let err = build_pruner("HyperbandPruner", &toml::toml! { max_epochs = 0 })
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("max_epochs"), "{err}");
    }
}
