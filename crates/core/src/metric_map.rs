//! The named metric values an estimator reports for one architecture.

/// Metric name → value, in the order the estimator produced them (`acc`, `loss`, `params`...).
pub type MetricMap = indexmap::IndexMap<String, f64>;
