//! Metrics made of metrics (paper, Appendix E): a weighted sum, a weighted product, and a
//! constraint that passes (1) or fails (0) against limits. Each takes its inner metrics by
//! registry name, with their own arguments, and records under the `key` it is given:
//!
//! ```
//! use modnas_metrics::build_metric;
//! let args: toml::Table = toml::from_str(r#"
//!     key = "cost"
//!     terms = [{ metric = "FlopsMetric", weight = 1e-6 }, { metric = "ParamCountMetric", weight = 1e-3 }]
//! "#).unwrap();
//! let cost = build_metric("WeightedSumMetric", &args).unwrap();
//! assert_eq!(cost.key(), "cost");
//! ```

use crate::{build_metric, register_metric, ArchMetric, MetricsError};
use modnas_construct::NetBox;
use serde::Deserialize;

/// An inner metric and its weight.
#[modnas_core::nas_config]
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TermArgs {
    /// The inner metric's registry id.
    metric: String,
    /// Its arguments.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    args: toml::Table,
    /// Its weight (the exponent in a product).
    #[config(default = 1.0)]
    weight: f64,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CombineArgs {
    /// The key the result is recorded under.
    key: String,
    /// The inner metrics: `{ metric, args, weight }`.
    terms: Vec<TermArgs>,
}

/// How terms combine.
#[derive(Clone, Copy)]
enum Combine {
    /// Σ wᵢ·mᵢ.
    Sum,
    /// Π mᵢ^wᵢ.
    Product,
}

/// `WeightedSumMetric` (Σ wᵢ·mᵢ) and `ProductMetric` (Π mᵢ^wᵢ, as FBNet's
/// `acc · (latency / target)^w`), recorded under `key`.
pub struct CombinedMetric {
    key: String,
    terms: Vec<(Box<dyn ArchMetric>, f64)>,
    combine: Combine,
}

impl ArchMetric for CombinedMetric {
    fn key(&self) -> &str {
        &self.key
    }

    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        let mut acc = match self.combine {
            Combine::Sum => 0.0,
            Combine::Product => 1.0,
        };
        for (metric, w) in &self.terms {
            let v = metric.compute(net, input)?;
            match self.combine {
                Combine::Sum => acc += w * v,
                Combine::Product => acc *= v.powf(*w),
            }
        }
        Ok(acc)
    }
}

fn inner(name: &str, t: &TermArgs) -> Result<Box<dyn ArchMetric>, MetricsError> {
    build_metric(&t.metric, &t.args).map_err(|e| MetricsError::InvalidArgs {
        metric: name.into(),
        reason: format!("term `{}`: {e}", t.metric),
    })
}

fn build_combined(
    name: &str,
    a: CombineArgs,
    combine: Combine,
) -> Result<Box<dyn ArchMetric>, MetricsError> {
    if a.terms.is_empty() {
        return Err(MetricsError::InvalidArgs {
            metric: name.into(),
            reason: "`terms` is empty: give at least one `{ metric, weight }`".into(),
        });
    }
    let terms = a
        .terms
        .iter()
        .map(|t| Ok((inner(name, t)?, t.weight)))
        .collect::<Result<_, MetricsError>>()?;
    Ok(Box::new(CombinedMetric {
        key: a.key,
        terms,
        combine,
    }))
}

register_metric!(
    /// Σ wᵢ·mᵢ over inner metrics, under its own key
    "WeightedSumMetric", |args: CombineArgs| build_combined("WeightedSumMetric", args, Combine::Sum)
);
register_metric!(
    /// Π mᵢ^wᵢ over inner metrics (MnasNet-style reward)
    "ProductMetric", |args: CombineArgs| build_combined("ProductMetric", args, Combine::Product)
);

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConstraintArgs {
    /// The key the result is recorded under.
    key: String,
    /// The inner metric's registry id.
    metric: String,
    /// Its arguments.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    args: toml::Table,
    /// Lowest allowed value.
    min: Option<f64>,
    /// Highest allowed value.
    max: Option<f64>,
}

/// `ConstraintMetric`: 1 when the inner metric lies within `[min, max]`, else 0, recorded
/// under `key` (a filter for the search's results, or a term of another aggregate).
pub struct ConstraintMetric {
    key: String,
    metric: Box<dyn ArchMetric>,
    min: f64,
    max: f64,
}

impl ArchMetric for ConstraintMetric {
    fn key(&self) -> &str {
        &self.key
    }

    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        let v = self.metric.compute(net, input)?;
        Ok(f64::from(u8::from(v >= self.min && v <= self.max)))
    }
}

fn build_constraint(a: ConstraintArgs) -> Result<Box<dyn ArchMetric>, MetricsError> {
    let name = "ConstraintMetric";
    if a.min.is_none() && a.max.is_none() {
        return Err(MetricsError::InvalidArgs {
            metric: name.into(),
            reason: "give `min`, `max` or both".into(),
        });
    }
    let term = TermArgs {
        metric: a.metric,
        args: a.args,
        weight: 1.0,
    };
    Ok(Box::new(ConstraintMetric {
        key: a.key,
        metric: inner(name, &term)?,
        min: a.min.unwrap_or(f64::NEG_INFINITY),
        max: a.max.unwrap_or(f64::INFINITY),
    }))
}
register_metric!(
    /// 1 when an inner metric lies within [min, max], else 0
    "ConstraintMetric", |args: ConstraintArgs| build_constraint(args)
);
