//! Criteria (paper, Appendix F): the training loss as a chain. A primary criterion computes
//! a loss from the batch (`CrossEntropyCriterion` with label smoothing, `MSECriterion`,
//! `MixUpCriterion`), and the criteria after it adjust that loss (`AddMetricCriterion`,
//! `MulMetricCriterion`, `MulLogMetricCriterion`, `KnowledgeDistillCriterion`). Configured as `trainer.args.criteria`:
//!
//! ```toml
//! [trainer.args]
//! criteria = [
//!     { type = "CrossEntropyCriterion", args = { label_smoothing = 0.1 } },
//!     { type = "AddMetricCriterion", args = { metric = "FlopsMetric", weight = 1e-9 } },
//! ]
//! ```

// The file is named for the trait it holds, as every trait file here.
#[allow(clippy::module_inception)]
mod criterion;
mod cross_entropy;
mod distill;
mod metric_loss;
mod mixup;

pub use criterion::*;
pub use cross_entropy::*;
pub use distill::*;
pub use metric_loss::*;
pub use mixup::*;
