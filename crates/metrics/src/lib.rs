#![warn(missing_docs)]
//! Architecture metrics of modnas (paper, Appendix E): traversal metrics computed on a
//! constructed network, registered by name with [`register_metric!`].
//!
//! - `ParamCountMetric` (key `params`): trainable parameters (BatchNorm running statistics
//!   excluded).
//! - `FlopsMetric` (key `flops`): multiply-accumulates of one forward pass of one sample.

mod base;
mod error;
mod flops;
mod param_count;

pub use base::*;
pub use error::*;
pub use flops::*;
pub use param_count::*;

#[doc(hidden)]
pub use inventory;
