#![warn(missing_docs)]
//! modnas: modular neural architecture search on Burn.
//!
//! The facade re-exports the component crates and adds the TOML configuration, the built-in
//! models, backend selection and the run directory. A search from a config:
//!
//! ```no_run
//! # fn main() -> Result<(), modnas::ModnasError> {
//! let cfg = modnas::Config::from_file("examples/configs/quickstart.toml", &[])?;
//! let run = modnas::run_search(&cfg, std::path::Path::new("runs/quickstart"), &mut |_| {})?;
//! println!("best: {:?}", run.outcome.best);
//! # Ok(())
//! # }
//! ```

mod batch;
mod catalog;
mod config;
mod distributed;
mod error;
mod latency_lut;
mod run;
/// Plots and drawings of runs.
pub mod viz;

pub use batch::*;
pub use catalog::*;
pub use config::*;
pub use distributed::*;
pub use error::*;
pub use latency_lut::*;
pub use run::*;
pub use viz::*;

pub use burn;
pub use modnas_construct as construct;
pub use modnas_estim as estim;
/// Kernels modnas adds to Burn's backends (the `modnas-kernels` crate).
pub use modnas_kernels as kernels;
pub use modnas_metrics as metrics;
/// Built-in searchable models (the `modnas-models` crate).
pub use modnas_models as models;
pub use modnas_optim as optim;
pub use modnas_param_space as param_space;
pub use modnas_storage as storage;

/// The names most programs need.
pub mod prelude {
    pub use modnas_construct::{
        build_candidate, construct, register_candidate, register_model, CandidateBox,
        CandidateSets, ConstructError, Constructed, Cost, NasModule, NetBox, Slot, SlotSpec,
    };
    pub use modnas_estim::{register_estim, Estim, ImageClsTrainer, SearchOutcome, Trial};
    pub use modnas_metrics::register_metric;
    pub use modnas_optim::{
        build_optim, build_search_optim, register_gradient_optim, register_optim, ArchOptim,
        GradientOptim, SearchOptim,
    };
    pub use modnas_param_space::{
        ArchDesc, Categorical, MetricMap, Numeric, ParamSpace, ParamValue, Transform, Trigger,
    };
}
