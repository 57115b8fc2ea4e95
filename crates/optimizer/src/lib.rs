#![warn(missing_docs)]
//! Search algorithms of modnas ("optimizers" in the paper, Appendix C.2): `next` proposes
//! architectures, `step` learns from their metrics. Registered by name with
//! [`register_optim!`].
//!
//! ```
//! use modnas_optim::build_optim;
//! use modnas_param_space::{Categorical, ParamSpace};
//! let mut space = ParamSpace::new();
//! space.insert("conv", Categorical::new(["NC3", "NC5", "NC7"]).unwrap()).unwrap();
//! let mut optim = build_optim("GridSearchOptim", &space, &toml::Table::new(), 0).unwrap();
//! let archs = optim.next(5).unwrap();
//! assert_eq!(archs.len(), 3); // the grid has three points
//! ```

mod annealing;
mod base;
mod discrete_space;
mod error;
mod evolution;
mod gp_bayes;
mod gradient;
mod grid;
mod local_search;
mod model_based;
mod pareto;
mod pareto_evolution;
mod random;
mod regularized_evolution;
mod reinforce;
mod score;
/// Surrogate models for model-based search.
pub mod surrogate;

pub use annealing::*;
pub use base::*;
pub use discrete_space::*;
pub use error::*;
pub use evolution::*;
pub use gp_bayes::*;
pub use gradient::*;
pub use grid::*;
pub use local_search::*;
pub use model_based::*;
pub use pareto::*;
pub use pareto_evolution::*;
pub use random::*;
pub use regularized_evolution::*;
pub use reinforce::*;
pub use score::*;

#[doc(hidden)]
pub use inventory;
