//! Searchable layers built from slots.

mod dag;
mod multi_branch;

pub use dag::*;
pub use multi_branch::*;
