//! `PatiencePruner`: a trial stops when its own score has not improved for `patience` epochs
//! (early stopping, judged by the trial's curve alone).

use super::pruner::{Curves, Pruner};
use crate::{register_pruner, EstimError};
use serde::Deserialize;

/// Arguments of [`PatiencePruner`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatienceArgs {
    /// Epochs without improvement a trial is allowed.
    #[config(default = 3)]
    pub patience: usize,
    /// How much the best score must rise to count as an improvement.
    #[serde(default)]
    pub min_delta: f64,
}

/// Stops a trial whose best score has not risen by more than `min_delta` in `patience` epochs.
#[derive(Clone, Debug)]
pub struct PatiencePruner {
    args: PatienceArgs,
}

impl PatiencePruner {
    /// A pruner with `args`; `patience` must be at least 1 and `min_delta` not negative.
    pub fn new(args: PatienceArgs) -> Result<Self, EstimError> {
        if args.patience == 0 || args.min_delta.is_nan() || args.min_delta < 0.0 {
            return Err(EstimError::InvalidArgs {
                component: "PatiencePruner".into(),
                reason: format!(
                    "`patience` must be at least 1 and `min_delta` at least 0, not {} and {}",
                    args.patience, args.min_delta
                ),
            });
        }
        Ok(Self { args })
    }
}

impl Pruner for PatiencePruner {
    fn decide(&mut self, trial: usize, epoch: usize, curves: &Curves) -> Option<String> {
        let PatienceArgs {
            patience,
            min_delta,
        } = self.args;
        let curve = curves.get(trial)?;
        if epoch <= patience {
            return None;
        }
        let before = curve.best_until(epoch - patience);
        let recent = curve
            .scores
            .range(epoch - patience + 1..=epoch)
            .map(|(_, s)| *s)
            .filter(|s| !s.is_nan())
            .fold(f64::NAN, f64::max);
        let improved = recent > before + min_delta || before.is_nan();
        (!improved).then(|| {
            format!(
                "epoch {epoch}: no improvement over {before:.6} in {patience} epochs \
                 (best since: {recent:.6})"
            )
        })
    }
}

register_pruner!(
    /// stops a trial whose score has not improved for `patience` epochs
    "PatiencePruner", |args: PatienceArgs| {
        Ok(Box::new(PatiencePruner::new(args)?))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_pruner;

    fn curve(scores: &[f64]) -> Curves {
        let mut c = Curves::default();
        for (e, s) in scores.iter().enumerate() {
            c.report(0, e + 1, *s);
        }
        c
    }

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let mut p = build_pruner("PatiencePruner", &toml::toml! { patience = 2 }).unwrap();
        let c = curve(&[0.5, 0.6, 0.6, 0.55, 0.7]);
        assert_eq!(p.decide(0, 2, &c), None);
        assert_eq!(p.decide(0, 3, &c), None); // 0.6 at epoch 2 rose above 0.5
        let why = p.decide(0, 4, &c).unwrap(); // epochs 3–4 stay at or below 0.6
        assert!(why.contains("epoch 4") && why.contains("2 epochs"), "{why}");
        assert_eq!(p.decide(0, 5, &c), None);
    }

    #[test]
    fn min_delta_demands_a_real_rise() {
        let c = curve(&[0.5, 0.505, 0.51]);
        let mut strict = build_pruner(
            "PatiencePruner",
            &toml::toml! { patience = 1
            min_delta = 0.01 },
        )
        .unwrap();
        assert!(strict.decide(0, 2, &c).is_some());
        let mut loose = build_pruner("PatiencePruner", &toml::toml! { patience = 1 }).unwrap();
        assert_eq!(loose.decide(0, 2, &c), None);
    }

    #[test]
    fn zero_patience_is_refused() {
        let err = build_pruner("PatiencePruner", &toml::toml! { patience = 0 })
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("patience"), "{err}");
    }
}
