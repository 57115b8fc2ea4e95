//! Aggregate criteria (paper, Appendix F): the previous loss combined with a metric of the
//! network, as in hardware-aware losses. `AddMetricCriterion`: `loss + w·m`;
//! `MulMetricCriterion`: `loss · w·m^β`; `MulLogMetricCriterion` (FBNet): `loss · w·(ln m)^β`.
//! The metric is computed on the network each batch: a cheap one (FLOPs, parameters, a
//! latency table) suits; a measured latency would time every step.

use super::{Criterion, CriterionInput};
use crate::{register_criterion, EstimError};
use burn::tensor::Tensor;
use modnas_metrics::{build_metric, ArchMetric};
use serde::Deserialize;

#[modnas_core::nas_config]
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MetricLossArgs {
    /// The metric's registry id (`FlopsMetric`, `LUTLatencyMetric`...).
    metric: String,
    /// Its arguments.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    args: toml::Table,
    /// The weight w.
    #[config(default = 1.0)]
    weight: f64,
    /// The exponent β (the multiplying criteria).
    #[config(default = 1.0)]
    exponent: f64,
}

#[derive(Clone, Copy)]
enum How {
    Add,
    Mul,
    MulLog,
}

/// The previous loss combined with a metric of the network.
pub struct MetricLossCriterion {
    metric: Box<dyn ArchMetric>,
    weight: f64,
    exponent: f64,
    how: How,
}

impl Criterion for MetricLossCriterion {
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        prev: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError> {
        let prev = prev.expect("an adjusting criterion is never first");
        let mut shape = input.x.dims().to_vec();
        shape[0] = 1;
        let m = self.metric.compute(input.net, &shape)?;
        Ok(match self.how {
            How::Add => prev.add_scalar(self.weight * m),
            How::Mul => prev.mul_scalar(self.weight * m.powf(self.exponent)),
            How::MulLog => prev.mul_scalar(self.weight * m.ln().powf(self.exponent)),
        })
    }

    fn primary(&self) -> bool {
        false
    }
}

fn build(name: &str, a: MetricLossArgs, how: How) -> Result<Box<dyn Criterion>, EstimError> {
    let metric = build_metric(&a.metric, &a.args).map_err(|e| EstimError::InvalidArgs {
        component: name.into(),
        reason: format!("`metric`: {e}"),
    })?;
    Ok(Box::new(MetricLossCriterion {
        metric,
        weight: a.weight,
        exponent: a.exponent,
        how,
    }))
}

register_criterion!(
    /// loss + w·m, m a metric of the network
    "AddMetricCriterion", |args: MetricLossArgs| build("AddMetricCriterion", args, How::Add)
);
register_criterion!(
    /// loss · w·m^β
    "MulMetricCriterion", |args: MetricLossArgs| build("MulMetricCriterion", args, How::Mul)
);
register_criterion!(
    /// loss · w·(ln m)^β (FBNet)
    "MulLogMetricCriterion", |args: MetricLossArgs| {
        build("MulLogMetricCriterion", args, How::MulLog)
    }
);
