//! Pipelines (paper, §3.5): a TOML file of named processes, each a modnas config (search,
//! augment, tuning) or a nested pipeline, run in dependency order. A process reads the
//! results of those it depends on through `{name}`, the dependency's run directory:
//!
//! ```toml
//! [process.search]
//! config = "darts.toml"
//! [process.augment]
//! config = "darts_augment.toml"
//! depends = ["search"]
//! overrides = ['estim.search.args.arch = "{search}/best.toml"']
//! ```

mod run;
mod spec;

pub use run::{
    run_pipeline, PipelineEvent, ProcessOutcome, ProcessRecord, PIPELINE_FILE, PIPELINE_JOURNAL,
};
pub use spec::{PipelineSpec, Process, ProcessKind, ProcessSpec};
