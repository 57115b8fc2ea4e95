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

pub use criterion::{
    build_criterion, criterion_names, smoothed_targets, soft_cross_entropy, Criterion,
    CriterionBuildFn, CriterionChain, CriterionEntry, CriterionInput, CriterionSpec,
};
pub use cross_entropy::{CrossEntropyCriterion, MSECriterion};
pub use distill::{set_teacher_loader, KnowledgeDistillCriterion, TeacherLoader};
pub use metric_loss::MetricLossCriterion;
pub use mixup::MixUpCriterion;
