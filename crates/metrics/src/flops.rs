//! `FlopsMetric`: multiply-accumulates of one forward pass.

use crate::{register_metric, ArchMetric, MetricsError};
use modnas_construct::NetBox;

/// The `FlopsMetric` (key `flops`): MACs of convolutions and linear layers for one sample,
/// from each module's analytic [`cost`](modnas_construct::NasModule::cost).
pub struct FlopsMetric;

impl ArchMetric for FlopsMetric {
    fn key(&self) -> &str {
        "flops"
    }
    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        Ok(net.try_cost(input)?.macs as f64)
    }
}

register_metric!(
    /// multiply-accumulates of one forward pass (key `flops`)
    "FlopsMetric", || Ok(Box::new(FlopsMetric))
);
