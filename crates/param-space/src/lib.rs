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
mod error;
mod event;
mod param;
mod param_def;
mod space;
mod tensor_param;
mod transform;
mod trigger;
mod value;

pub use arch_desc::ArchDesc;
pub use error::{HandlerError, ParamSpaceError};
pub use event::{EventBus, ParamUpdate, Watch};
pub use param::{Categorical, Numeric, NumericKind, ParamKind};
pub use param_def::ParamDef;
pub use space::{ArchParam, ParamSpace};
pub use tensor_param::TensorParam;
pub use transform::{HandlerCtx, Transform};
pub use trigger::Trigger;
pub use value::ParamValue;
