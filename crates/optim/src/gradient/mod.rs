//! Gradient-based architecture optimizers (paper, Appendix C.2 Algorithm 6): they update the
//! tensor parameters α of mixed operators from gradients that the supernet estimator computes
//! through an [`ArchProblem`].

mod arch_adam;
mod binary_gate;
mod darts;
mod direct_grad;
mod drnas;
mod gdas;
pub(crate) mod gradient_optim;
mod snas;
mod weight_ops;

pub use arch_adam::*;
pub use binary_gate::*;
pub use darts::*;
pub use direct_grad::*;
pub use drnas::*;
pub use gdas::*;
pub use gradient_optim::*;
pub use snas::*;
pub use weight_ops::*;
