//! The TOML configuration: its sections, the checks that run before a search, and backend
//! selection.

mod backend;
mod base;
pub(crate) mod validate;

pub use backend::*;
pub use base::*;
