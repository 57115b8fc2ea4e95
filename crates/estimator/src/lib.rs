#![warn(missing_docs)]
//! Estimators of modnas (paper, Appendix C.3), the search routine (Algorithm 2), the image
//! classification trainer and the data readers.

mod bn_recal;
/// Training losses as a chain of criteria.
pub mod criterion;
/// Data sets and readers.
pub mod data;
mod error;
mod estim;
mod progress;
mod schedule;
/// Table-based estimation.
pub mod tabular;
mod trainer;

pub use bn_recal::*;
pub use criterion::{
    build_criterion, criterion_names, Criterion, CriterionChain, CriterionEntry, CriterionSpec,
};
pub use error::*;
pub use estim::*;
pub use progress::PROGRESS_TARGET;
pub use trainer::*;

#[doc(hidden)]
pub use inventory;
