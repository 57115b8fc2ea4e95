//! Searchable layers built from slots.

mod dag;

pub use dag::*;
