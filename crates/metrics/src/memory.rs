//! `MemoryAccessMetric`: bytes a forward pass reads and writes.

use crate::{register_metric, ArchMetric, MetricsError};
use modnas_construct::NetBox;

/// The `MemoryAccessMetric` (key `mem_bytes`): bytes read and written (f32) by the
/// convolutions, pooling and linear layers of one forward pass of one sample, their inputs,
/// weights and outputs, from each module's analytic [`cost`](modnas_construct::NasModule::cost).
/// Element-wise layers count as fused into the layer before them. It separates
/// architectures of equal MACs that move different amounts of data (ShuffleNetV2's
/// "memory access cost").
pub struct MemoryAccessMetric;

impl ArchMetric for MemoryAccessMetric {
    fn key(&self) -> &str {
        "mem_bytes"
    }
    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        Ok(net.try_cost(input)?.mem as f64)
    }
}

register_metric!(
    /// bytes read and written by one forward pass (key `mem_bytes`)
    "MemoryAccessMetric", || Ok(Box::new(MemoryAccessMetric))
);
