//! The records of a search: a [`Trial`] (a line of the run's journal) and an
//! [`AlphaSnapshot`] (softmax(α) after a supernet epoch).

use indexmap::IndexMap;
use modnas_core::MetricMap;
use modnas_param_space::ArchDesc;
use serde::{Deserialize, Deserializer, Serialize};

/// One evaluated architecture: a line of the run's journal (`trials.jsonl`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based index in the run.
    pub index: usize,
    /// The architecture.
    pub arch: ArchDesc,
    /// Its metrics (`acc`, `loss`, `params`, `flops`...). JSON has no NaN: a NaN is written as
    /// `null` and read back as NaN.
    #[serde(deserialize_with = "metrics_with_nan")]
    pub metrics: MetricMap,
    /// Wall-clock seconds spent evaluating it.
    pub seconds: f64,
    /// Why the trial failed (its model failed, or its loss became NaN/inf): the objective is
    /// then NaN, which optimizers rank worst and the best trial never is. `None` for a trial
    /// that succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Epochs the trial trained, when its training reported them (compute accounting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// The objective after each reported epoch, oriented so that higher is better (the
    /// learning curve pruners judged; a resumed run gives it back to its pruner).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "curve_with_nan"
    )]
    pub curve: Vec<f64>,
    /// Why a pruner stopped the trial: its metrics are then those of its last epoch. A pruned
    /// trial is not a failure; the optimizer learns from it, and it is never the best.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned: Option<String>,
    /// The share of the training data the trial trained on, when its optimizer chose a data
    /// fraction (`HyperbandOptim` with `fidelity = "data_fraction"`); `None`: all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_fraction: Option<f64>,
}

impl Trial {
    /// The compute the trial spent, in epochs over all the training data: its epochs times
    /// its [data fraction](Self::data_fraction); 0 when it reported no epochs.
    ///
    /// ```
    /// use modnas_estim::Trial;
    /// let t = Trial { epochs: Some(6), data_fraction: Some(0.5), ..Trial::default() };
    /// assert_eq!(t.compute_epochs(), 3.0);
    /// ```
    pub fn compute_epochs(&self) -> f64 {
        self.epochs.unwrap_or(0) as f64 * self.data_fraction.unwrap_or(1.0)
    }
}

pub(crate) fn metrics_with_nan<'de, D: Deserializer<'de>>(d: D) -> Result<MetricMap, D::Error> {
    let raw = IndexMap::<String, Option<f64>>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

fn curve_with_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let raw = Vec::<Option<f64>>::deserialize(d)?;
    Ok(raw.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// The softmax weights of every tensor parameter (α) after an epoch of supernet training:
/// parameter name → candidate name → weight.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlphaSnapshot {
    /// 0-based epoch.
    pub epoch: usize,
    /// Weights per parameter, in space order.
    pub params: IndexMap<String, IndexMap<String, f64>>,
}
