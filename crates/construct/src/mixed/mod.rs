//! Mixed operators: slot entities that hold every candidate and combine them (paper §2.2,
//! Appendix D). The combination rules are registered by name; the construct routine fills
//! every slot with one when `mixed_op` is set.

mod binary_gate;
mod darts;
mod dirichlet;
mod gumbel;
mod handle;
mod mixed_op;
mod registry;
mod sampling;

pub use handle::{MixedHandle, MixedKind};
pub use mixed_op::{kind_forward, MixedOp};
pub use registry::{mixed_op_def, mixed_op_names, MixedForwardFn, MixedOpDef, MixedOpEntry};
pub use sampling::argmax;
