//! Estimators and the search routine.

mod base;
mod default_estim;
mod search_loop;
mod subnet;
mod supernet;
mod supernet_problem;

pub use base::*;
pub use default_estim::*;
pub use search_loop::*;
pub use subnet::*;
pub use supernet::*;
