//! `SEBlocksMetric`: how many slots of a network hold an [`SEConv`](crate::SEConv), recorded
//! as `se_blocks` with every trial.

use modnas::construct::{list_slots, NetBox};
use modnas::metrics::{register_metric, ArchMetric, MetricsError};

/// The metric.
pub struct SEBlocksMetric;

impl ArchMetric for SEBlocksMetric {
    fn key(&self) -> &str {
        "se_blocks"
    }

    fn compute(&self, net: &NetBox, _input: &[usize]) -> Result<f64, MetricsError> {
        let slots = list_slots(net);
        Ok(slots
            .iter()
            .filter(|s| s.entity.as_deref() == Some("SEConv"))
            .count() as f64)
    }
}

register_metric!(
    /// slots holding an SEConv
    "SEBlocksMetric", || Ok(Box::new(SEBlocksMetric))
);
