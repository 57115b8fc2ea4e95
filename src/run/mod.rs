//! A search run and its directory: setting the search up from a config, running or resuming it,
//! the files of a run directory (journal, best architecture, records), reports, and loading a
//! trained model back.

pub(crate) mod dir;
mod epoch_journal;
mod export;
mod functional;
mod functional_supernet;
mod journal;
pub(crate) mod lock;
pub(crate) mod paired;
mod report;
pub(crate) mod search;
pub(crate) mod setup;
mod task_search;
mod trained;

pub use dir::{
    read_journal, RunMode, ALPHAS_FILE, BEST_FILE, CONFIG_FILE, EPOCHS_FILE, JOURNAL_FILE,
    LOG_FILE, META_FILE, PARETO_CSV, PARETO_FILE, RESUME_MAY_CHANGE, RUN_FORMAT,
};
pub use export::{export_trained_onnx, ONNX_FILE};
pub use functional::{FunctionalSearch, FUNCTIONAL_SEARCH};
pub use functional_supernet::{FunctionalSuperNet, SuperNetRun, FUNCTIONAL_SUPERNET};
pub use lock::LOCK_FILE;
pub use report::{ProgressCurve, RunReport};
pub use search::{best_toml, resume_search, run_search, run_search_with, SearchRun};
pub use trained::load_trained;
