//! Searchable layers built from slots.

mod dag;
mod motif;
mod multi_branch;

pub use dag::*;
pub use motif::*;
pub use multi_branch::*;
