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

pub use arch_adam::ArchAdam;
pub use binary_gate::{BinaryGateOptim, BinaryGateOptimArgs};
pub use darts::{DARTSOptim, DARTSOptimArgs};
pub use direct_grad::{DirectGradOptim, DirectGradOptimArgs};
pub use drnas::{DrNASOptim, DrNASOptimArgs};
pub use gdas::{GDASOptim, GDASOptimArgs};
pub use gradient_optim::{
    ArchAdamArgs, ArchAdamOverrides, ArchProblem, Backward, GradientOptim, Split,
};
pub use snas::{SNASOptim, SNASOptimArgs};
pub use weight_ops::{clip_grad_norm, grad_sq_norm, shift_weights};
