//! `FlopsMetric`: multiply-accumulates of one forward pass.

use crate::base::no_args;
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

fn build(args: &toml::Table) -> Result<Box<dyn ArchMetric>, MetricsError> {
    no_args("FlopsMetric", args)?;
    Ok(Box::new(FlopsMetric))
}
register_metric!("FlopsMetric", build);
modnas_param_space::describe_component!(
    "metric",
    "FlopsMetric",
    "multiply-accumulates of one forward pass (key `flops`)"
);
