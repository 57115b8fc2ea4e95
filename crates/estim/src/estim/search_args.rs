//! The arguments every searching estimator shares: the budget (`trials`, `max_seconds`) and the
//! objective (`objective`, `mode`).

use crate::{parse_args, EstimError};
use modnas_core::{Merged, MetricMap};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Whether the objective is maximised or minimised.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
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

    /// `value` oriented so that higher is better (negated for a minimised objective), as
    /// pruners compare learning curves.
    pub fn score(&self, value: f64) -> f64 {
        match self.mode {
            Mode::Max => value,
            Mode::Min => -value,
        }
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
    /// Maximum training epochs of all trials together, as their records count them (a pruned
    /// trial counts the epochs it trained; checked before each trial): a compute budget that
    /// pruned and full-length searches share.
    pub epochs: Option<usize>,
}

/// What a search does when the optimizer proposes an architecture the run has evaluated.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Revisit {
    /// The recorded result answers it: the optimizer learns it again, nothing is evaluated or
    /// recorded, and the trial budget is not used (default).
    #[default]
    Answer,
    /// It is evaluated again and recorded as a new trial (for noisy objectives).
    Evaluate,
}

/// The arguments every searching estimator shares: `trials`, `max_seconds`, `max_epochs`,
/// `objective` (default `acc`), `mode` (`max` by default) and `revisit` (`answer` by
/// default).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchArgs {
    /// `trials`, `max_seconds` and `max_epochs`.
    pub budget: Budget,
    /// `objective` and `mode`.
    pub objective: Objective,
    /// What a proposal of an evaluated architecture does.
    pub revisit: Revisit,
}

/// The keys every searching estimator shares, as written in its `args` (see [`SearchArgs`]):
/// the part of [`WithSearch`] beside the estimator's own keys.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchKeys {
    /// Architectures to evaluate (the default depends on the estimator; unlimited when
    /// `max_epochs` is set).
    #[serde(default)]
    pub trials: Option<usize>,
    /// Stop proposing once this many seconds have passed.
    #[serde(default, deserialize_with = "positive_seconds")]
    pub max_seconds: Option<f64>,
    /// Stop proposing once the trials have trained this many epochs in all (pruned trials
    /// count the epochs they trained).
    #[serde(default, deserialize_with = "at_least_one_epoch")]
    pub max_epochs: Option<usize>,
    /// The metric the search optimises.
    #[config(default = "acc".to_string())]
    pub objective: String,
    /// `"max"` or `"min"`.
    #[serde(default)]
    pub mode: Mode,
    /// A proposal of an architecture the run has evaluated: `"answer"` (default) with the
    /// recorded result, without using the trial budget; `"evaluate"` it again.
    #[serde(default)]
    pub revisit: Revisit,
}

fn positive_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let seconds = Option::<f64>::deserialize(d)?;
    match seconds {
        Some(s) if s.is_nan() || s <= 0.0 => Err(serde::de::Error::custom("must be positive")),
        _ => Ok(seconds),
    }
}

fn at_least_one_epoch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let epochs = Option::<usize>::deserialize(d)?;
    match epochs {
        Some(0) => Err(serde::de::Error::custom("must be at least 1")),
        _ => Ok(epochs),
    }
}

/// A searching estimator's arguments: its own keys `T` beside the shared [`SearchKeys`], in
/// one `args` table (an unknown key is refused with both lists of keys).
pub type WithSearch<T> = Merged<T, SearchKeys>;

impl SearchKeys {
    /// The search settings, with `default_trials` trials when `trials` is not given and no
    /// epoch budget lifts the limit.
    pub fn search_args(self, default_trials: usize) -> SearchArgs {
        SearchArgs {
            budget: Budget {
                trials: match (self.trials, self.max_epochs) {
                    (Some(t), _) => Some(t),
                    (None, Some(_)) => None,
                    (None, None) => Some(default_trials),
                },
                seconds: self.max_seconds,
                epochs: self.max_epochs,
            },
            objective: Objective {
                key: self.objective,
                mode: self.mode,
            },
            revisit: self.revisit,
        }
    }
}

impl SearchArgs {
    /// A budget of `trials` (unlimited when `None`) optimising `objective`, higher better when
    /// `maximize`; no time limit, and repeats answered from their records.
    pub fn new(trials: Option<usize>, objective: &str, maximize: bool) -> Self {
        Self {
            budget: Budget {
                trials,
                ..Budget::default()
            },
            objective: Objective {
                key: objective.to_string(),
                mode: if maximize { Mode::Max } else { Mode::Min },
            },
            revisit: Revisit::Answer,
        }
    }

    /// Parses `component`'s arguments: the shared keys into `SearchArgs` (`trials` defaults to
    /// `default_trials`), every other key into the estimator's own `T`.
    pub fn parse_with<T: DeserializeOwned>(
        component: &str,
        args: &toml::Table,
        default_trials: usize,
    ) -> Result<(Self, T), EstimError> {
        let args: WithSearch<T> = parse_args(component, args)?;
        Ok((args.shared.search_args(default_trials), args.own))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Own {
        epochs: usize,
    }

    #[test]
    fn shared_keys_split_from_the_estimators_own() {
        let args: toml::Table = toml::from_str("epochs = 3\ntrials = 7\nmode = \"min\"").unwrap();
        let (search, own): (SearchArgs, Own) = SearchArgs::parse_with("X", &args, 10).unwrap();
        assert_eq!(own.epochs, 3);
        assert_eq!(
            search.budget,
            Budget {
                trials: Some(7),
                ..Budget::default()
            }
        );
        assert_eq!(
            search.objective,
            Objective {
                key: "acc".into(),
                mode: Mode::Min
            }
        );
        let args: toml::Table = toml::from_str("epochs = 1").unwrap();
        let (search, _): (SearchArgs, Own) = SearchArgs::parse_with("X", &args, 10).unwrap();
        assert_eq!(search.budget.trials, Some(10), "the estimator's default");
        let args: toml::Table = toml::from_str("epochs = 1\nmax_epochs = 30").unwrap();
        let (search, _): (SearchArgs, Own) = SearchArgs::parse_with("X", &args, 10).unwrap();
        assert_eq!(
            (search.budget.trials, search.budget.epochs),
            (None, Some(30)),
            "an epoch budget lifts the default trial count"
        );
    }

    #[test]
    fn unknown_keys_and_bad_budgets_are_rejected() {
        let args: toml::Table = toml::from_str("epoch = 3").unwrap();
        let err = SearchArgs::parse_with::<Own>("X", &args, 10)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `epoch`")
                && err.contains("shared keys: max_epochs, max_seconds"),
            "{err}"
        );
        let args: toml::Table = toml::from_str("epochs = 1\nmax_seconds = 0.0").unwrap();
        let err = SearchArgs::parse_with::<Own>("X", &args, 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`max_seconds`: must be positive"), "{err}");
    }
}
