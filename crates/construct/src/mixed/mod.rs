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

pub use handle::*;
pub use mixed_op::*;
pub use registry::*;
pub use sampling::argmax;
