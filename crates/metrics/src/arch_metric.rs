//! The metric interface and its registry.

use crate::MetricsError;
use modnas_construct::NetBox;

/// A property of an architecture, computed on the constructed network (paper, Appendix E).
pub trait ArchMetric: Send + Sync {
    /// The key the value is recorded under (`params`, `flops`).
    fn key(&self) -> &str;
    /// Computes the value for `net` on inputs of shape `[1, C, H, W]`.
    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError>;
}

modnas_core::table_registry!(
    /// A registered metric.
    MetricEntry, "metric", MetricBuildFn -> Box<dyn ArchMetric>, MetricsError;
    build_metric, metric_names
);

/// Registers a metric: its doc comment (what `modnas list --detail` says of it), its name
/// and a closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the metric) to the metric, or `|| …` for a metric
/// without arguments (any key is refused):
///
/// ```
/// use modnas_metrics::{register_metric, ArchMetric, MetricsError};
/// # use modnas_metrics::metric_names;
/// struct Depth;
/// impl ArchMetric for Depth {
///     fn key(&self) -> &str { "depth" }
///     fn compute(&self, _: &modnas_construct::NetBox, _: &[usize]) -> Result<f64, MetricsError> {
///         Ok(1.0)
///     }
/// }
/// register_metric!(
///     /// the depth of the network (key `depth`)
///     "DepthMetric", || Ok(Box::new(Depth))
/// );
/// assert!(metric_names().contains(&"DepthMetric"));
/// ```
#[macro_export]
macro_rules! register_metric {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::MetricEntry, $crate::parse_metric_args; $($t)*);
    };
}

/// Deserializes a metric's TOML arguments, naming the metric and the key in errors.
#[doc(hidden)]
pub fn parse_metric_args<T: serde::de::DeserializeOwned>(
    metric: &str,
    args: &toml::Table,
) -> Result<T, MetricsError> {
    modnas_core::deserialize_args(args).map_err(|reason| MetricsError::InvalidArgs {
        metric: metric.to_string(),
        reason,
    })
}
