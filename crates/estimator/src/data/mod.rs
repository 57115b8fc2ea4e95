//! Data sets: readers (embedded digits, CSV, IDX, synthetic), selected by name from TOML.

mod csv;
mod dataset;
mod idx;
mod source;
mod synthetic;

pub use self::csv::*;
pub use dataset::*;
pub use idx::*;
pub use source::*;
pub use synthetic::*;
