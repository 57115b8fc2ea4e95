#![warn(missing_docs)]
//! Architecture parameter space of modnas.
//!
//! A [`ParamSpace`] holds named architecture parameters ([`Categorical`], [`Numeric`] and
//! differentiable [`TensorParam`]s) in insertion order. Setting a value that differs from the
//! current one emits a [`ParamUpdate`] event on a crossbeam channel; a [`Transform`] routine
//! drains those events and calls the handlers whose [`Trigger`] matches (paper, Appendix B).
//!
//! ```
//! use modnas_param_space::{Categorical, ParamSpace, ParamValue, Transform, Trigger};
//! # fn main() -> Result<(), modnas_param_space::ParamSpaceError> {
//! let mut space = ParamSpace::new();
//! space.insert("conv1", Categorical::new(["NC3", "NC5", "NC7"])?)?;
//! let mut transform: Transform<Vec<String>> = Transform::new(&space);
//! transform.add_handler("swap", Trigger::on("conv1"), |ctx, log: &mut Vec<String>| {
//!     log.push(ctx.value("conv1")?.as_str().unwrap_or_default().to_string());
//!     Ok(())
//! });
//! space.set("conv1", ParamValue::from("NC5"))?;
//! let mut log = Vec::new();
//! transform.run(&space, &mut log)?;
//! assert_eq!(log, ["NC5"]);
//! # Ok(())
//! # }
//! ```

mod arch_desc;
mod component_doc;
mod dirichlet;
mod error;
mod event;
mod metric_map;
mod param;
mod param_def;
mod registry;
mod space;
mod tensor_param;
mod transform;
mod trigger;
mod value;

pub use arch_desc::*;
pub use component_doc::*;
pub use dirichlet::*;
pub use error::*;
pub use event::*;
pub use metric_map::*;
pub use param::*;
pub use param_def::*;
pub use registry::*;
pub use space::*;
pub use tensor_param::*;
pub use transform::*;
pub use trigger::*;
pub use value::*;

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use schemars;
