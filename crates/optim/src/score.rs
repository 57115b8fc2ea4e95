//! [`Score`]: the metric a learning optimizer maximises, read from a trial's metrics.

use crate::OptimError;
use modnas_core::MetricMap;
use serde::Deserialize;

/// Whether a metric is maximised or minimised.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher is better.
    #[default]
    Max,
    /// Lower is better.
    Min,
}

/// Reads the optimised metric from a trial's results, as "higher is better".
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// Metric key (`acc` by default).
    pub metric: String,
    /// Whether a higher or a lower value of the metric is better.
    pub direction: Direction,
}

impl Score {
    /// A score on `metric` in `direction`.
    pub fn new(metric: impl Into<String>, direction: Direction) -> Self {
        Self {
            metric: metric.into(),
            direction,
        }
    }

    /// The signed value (negated when minimising); NaN counts as the worst value.
    pub fn of(&self, optim: &str, metrics: &MetricMap) -> Result<f64, OptimError> {
        let v = *metrics
            .get(&self.metric)
            .ok_or_else(|| OptimError::MissingMetric {
                optim: optim.to_string(),
                metric: self.metric.clone(),
                available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;
        let v = match self.direction {
            Direction::Max => v,
            Direction::Min => -v,
        };
        Ok(if v.is_nan() { f64::NEG_INFINITY } else { v })
    }
}
