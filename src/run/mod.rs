//! A search run and its directory: setting the search up from a config, running or resuming it,
//! the files of a run directory (journal, best architecture, records), reports, and loading a
//! trained model back.

pub(crate) mod dir;
mod report;
mod search;
pub(crate) mod setup;
mod trained;

pub use dir::*;
pub use report::*;
pub use search::*;
pub use trained::*;
