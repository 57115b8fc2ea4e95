//! The metric interface and its registry.

use crate::MetricsError;
use modnas_construct::NetBox;
use modnas_param_space::{lookup, registered_names};

/// A property of an architecture, computed on the constructed network (paper, Appendix E).
pub trait ArchMetric: Send + Sync {
    /// The key the value is recorded under (`params`, `flops`).
    fn key(&self) -> &str;
    /// Computes the value for `net` on inputs of shape `[1, C, H, W]`.
    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError>;
}

/// Builds a metric from its TOML arguments.
pub type MetricBuildFn = fn(&toml::Table) -> Result<Box<dyn ArchMetric>, MetricsError>;

modnas_param_space::registry_entry!(
    /// A registered metric.
    MetricEntry, "metric", MetricBuildFn
);

/// Registers a metric constructor under a name.
#[macro_export]
macro_rules! register_metric {
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::MetricEntry::new($name, $build) }
    };
}

/// Builds the metric registered as `name`.
pub fn build_metric(name: &str, args: &toml::Table) -> Result<Box<dyn ArchMetric>, MetricsError> {
    (lookup::<MetricEntry>(name)?.build)(args)
}

/// Names of all registered metrics, sorted.
pub fn metric_names() -> Vec<&'static str> {
    registered_names::<MetricEntry>()
}

/// Rejects any argument: for metrics that take none.
pub(crate) fn no_args(metric: &str, args: &toml::Table) -> Result<(), MetricsError> {
    match args.keys().next() {
        None => Ok(()),
        Some(k) => Err(MetricsError::InvalidArgs {
            metric: metric.to_string(),
            reason: format!("unknown argument `{k}`; this metric takes none"),
        }),
    }
}

/// Deserializes a metric's TOML arguments, naming the metric and the key in errors.
pub(crate) fn parse_metric_args<T: serde::de::DeserializeOwned>(
    metric: &str,
    args: &toml::Table,
) -> Result<T, MetricsError> {
    modnas_param_space::deserialize_args(args).map_err(|reason| MetricsError::InvalidArgs {
        metric: metric.to_string(),
        reason,
    })
}
