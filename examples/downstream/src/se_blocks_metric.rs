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

fn build(args: &modnas::toml::Table) -> Result<Box<dyn ArchMetric>, MetricsError> {
    match args.keys().next() {
        None => Ok(Box::new(SEBlocksMetric)),
        Some(key) => Err(MetricsError::InvalidArgs {
            metric: "SEBlocksMetric".into(),
            reason: format!("unknown argument `{key}`; this metric takes none"),
        }),
    }
}
register_metric!("SEBlocksMetric", build);
modnas::param_space::describe_component!("metric", "SEBlocksMetric", "slots holding an SEConv");
