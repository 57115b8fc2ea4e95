#![warn(missing_docs)]
//! Architecture metrics of modnas (paper, Appendix E): traversal metrics computed on a
//! constructed network, registered by name with [`register_metric!`].
//!
//! - `ParamCountMetric` (key `params`): trainable parameters (BatchNorm running statistics
//!   excluded).
//! - `FlopsMetric` (key `flops`): multiply-accumulates of one forward pass of one sample.
//! - `MemoryAccessMetric` (key `mem_bytes`): bytes read and written by one forward pass.
//! - `LatencyMetric` (key `latency_ms`): the measured median forward time on the network's
//!   device.
//! - `LUTLatencyMetric` (key `lut_latency_ms`): latency summed from a lookup table measured
//!   per candidate and input shape ([`LatencyTable`]).
//! - `WeightedSumMetric`, `ProductMetric`, `ConstraintMetric`: metrics of other metrics, under
//!   a `key` of their own.

pub mod aggregate;
mod arch_metric;
mod error;
pub mod flops;
pub mod latency;
pub mod lut;
pub mod memory;
pub mod param_count;

pub use aggregate::{CombinedMetric, ConstraintMetric};
#[doc(hidden)]
pub use arch_metric::parse_metric_args;
pub use arch_metric::{build_metric, metric_names, ArchMetric, MetricBuildFn, MetricEntry};
pub use error::MetricsError;
pub use flops::FlopsMetric;
pub use latency::{measure, LatencyMetric, LatencyStats, TimingArgs};
pub use lut::{device_name, LUTLatencyMetric, LatencyTable, LutEntry, LutItem};
pub use memory::MemoryAccessMetric;
pub use param_count::{trainable_params, ParamCountMetric};

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use modnas_core as __core;
