#![warn(missing_docs)]
//! modnas: modular neural architecture search on Burn.
//!
//! The facade re-exports the component crates as modules ([`core`], [`param_space`], [`construct`],
//! [`optim`], [`estim`], [`metrics`], [`models`], [`storage`], [`kernels`]) and adds the TOML
//! configuration ([`config`]), a search run and its directory ([`run`]), comparisons and
//! pipelines ([`batch`]), distributed runs ([`distributed`]), plots and drawings ([`viz`]), the
//! component catalogue ([`catalog`]) and latency tables ([`latency_lut`]). A type's path says
//! where it lives: `modnas::optim::RegularizedEvolutionOptim`, `modnas::estim::SuperNetEstim`.
//! A model file needs only [`prelude`]; the entry points of a search from a config are also
//! at the root:
//!
//! ```no_run
//! # fn main() -> Result<(), modnas::ModnasError> {
//! let cfg = modnas::Config::from_file("examples/configs/quickstart.toml", &[])?;
//! let dir = std::path::Path::new("runs/quickstart");
//! let run = modnas::run_search(&cfg, dir, modnas::RunMode::New, &mut |_| {})?;
//! println!("best: {:?}", run.outcome.best);
//! # Ok(())
//! # }
//! ```

pub mod batch;
pub mod catalog;
pub mod config;
pub mod distributed;
mod error;
pub mod latency_lut;
pub mod run;
pub mod viz;

// The entry points of a search from a config; everything else is reached through its module.
pub use config::Config;
pub use error::ModnasError;
pub use run::{
    export_trained_onnx, load_trained, resume_search, run_search, run_search_with,
    FunctionalSearch, FunctionalSuperNet, RunMode, SearchRun,
};
pub use viz::draw_run;

pub use burn;
pub use modnas_construct as construct;
/// What every modnas crate shares: registries, component descriptions, metric maps (the
/// `modnas-core` crate).
pub use modnas_core as core;
/// The `inventory` crate the registration macros expand to (a user crate needs no dependency on it).
#[doc(hidden)]
pub use modnas_core::inventory;
pub use modnas_estim as estim;
/// The found model out of modnas: a forward pass captured by Burn and written as ONNX, checked
/// in an ONNX runtime (the `modnas-export` crate).
pub use modnas_export as export;
/// Kernels modnas adds to Burn's backends (the `modnas-kernels` crate).
pub use modnas_kernels as kernels;
pub use modnas_metrics as metrics;
/// Built-in searchable models (the `modnas-models` crate).
pub use modnas_models as models;
pub use modnas_optim as optim;
pub use modnas_param_space as param_space;
pub use modnas_storage as storage;
/// The `schemars` modnas lists component arguments with: the argument type a `register_*!`
/// closure takes derives its `JsonSchema` (`#[schemars(crate = "modnas::schemars")]`).
pub use schemars;
/// The `serde` modnas's configs use: argument types of user components derive its traits.
pub use serde;
/// The `toml` modnas's configs use (0.8): model and component builders take its `toml::Table`,
/// so a user crate names this one (`modnas::toml::Table`) rather than depending on another
/// version.
pub use toml;

pub mod prelude;
