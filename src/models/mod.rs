//! Built-in searchable models, registered by name.

mod convnet;

pub use convnet::*;
