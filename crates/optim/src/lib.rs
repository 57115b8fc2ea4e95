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

pub mod annealing;
mod arch_optim;
pub mod bohb;
mod discrete_space;
mod error;
pub mod evolution;
mod fidelity;
pub mod gp_bayes;
pub mod gradient;
pub mod grid;
pub mod hyperband;
pub mod local_search;
pub mod model_based;
mod pareto;
pub mod pareto_evolution;
pub mod random;
pub mod regularized_evolution;
pub mod reinforce;
mod running_stats;
mod score;
mod seen;
/// Surrogate models for model-based search.
pub mod surrogate;

pub use annealing::{AnnealingArgs, SimulatedAnnealingOptim};
pub use arch_optim::{
    build_gradient_optim, build_optim, build_search_optim, optim_names, optim_names_of_kind,
    parse_optim_args, ArchOptim, GradientOptimName, OptimBuildFn, OptimEntry, SearchOptim,
};
pub use bohb::{BohbModelArgs, BohbOptim};
pub use discrete_space::{DiscreteSpace, Domain};
pub use error::OptimError;
pub use evolution::{EvolutionArgs, EvolutionOptim};
pub use fidelity::{Fidelity, FidelityKind};
pub use gp_bayes::{GPBayesOptim, GpBayesArgs};
pub use gradient::{
    clip_grad_norm, grad_sq_norm, shift_weights, ArchAdam, ArchAdamArgs, ArchAdamOverrides,
    ArchProblem, Backward, BinaryGateOptim, BinaryGateOptimArgs, DARTSOptim, DARTSOptimArgs,
    DirectGradOptim, DirectGradOptimArgs, DrNASOptim, DrNASOptimArgs, GDASOptim, GDASOptimArgs,
    GradientOptim, SNASOptim, SNASOptimArgs, Split,
};
pub use grid::{GridSearchArgs, GridSearchOptim};
pub use hyperband::{hyperband_s_max, HyperbandOptim, HyperbandOptimArgs};
pub use local_search::{Improvement, LocalSearchArgs, LocalSearchOptim};
pub use model_based::{Acquisition, ModelBasedArgs, ModelBasedOptim};
pub use pareto::{crowding_distance, non_dominated_fronts, ConstraintSpec, ObjectiveSpec, Point};
pub use pareto_evolution::{ParetoEvolutionArgs, ParetoEvolutionOptim};
pub use random::{RandomSearchArgs, RandomSearchOptim};
pub use regularized_evolution::{RegularizedEvolutionArgs, RegularizedEvolutionOptim};
pub use reinforce::{REINFORCEOptim, ReinforceArgs};
pub use running_stats::RunningStats;
pub use score::{Direction, Score};
pub use seen::SeenArchs;
pub(crate) use seen::FRESH_TRIES;

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use modnas_core as __core;
