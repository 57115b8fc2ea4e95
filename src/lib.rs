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

mod arch_graph;
mod arch_svg;
mod backend;
mod batch_dir;
mod catalog;
mod compare;
mod config;
mod distributed;
mod error;
mod latency_lut;
/// Built-in searchable models.
pub mod models;
mod pareto_plot;
mod pipeline;
mod plot;
mod report;
mod run;
mod run_dir;
mod search_setup;
mod trained;
mod validate;

pub use arch_graph::*;
pub use arch_svg::*;
pub use backend::*;
pub use catalog::*;
pub use compare::*;
pub use config::*;
pub use distributed::*;
pub use error::*;
pub use latency_lut::*;
pub use pareto_plot::*;
pub use pipeline::*;
pub use plot::*;
pub use report::*;
pub use run::*;
pub use run_dir::*;
pub use trained::*;

pub use burn;
pub use modnas_construct as construct;
pub use modnas_estim as estim;
pub use modnas_metrics as metrics;
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
    pub use modnas_optim::{build_optim, register_optim, ArchOptim};
    pub use modnas_param_space::{
        ArchDesc, Categorical, MetricMap, Numeric, ParamSpace, ParamValue, Transform, Trigger,
    };
}
