#![warn(missing_docs)]
//! What every modnas crate shares: the component registries ([`lookup`], [`Registered`],
//! [`registry_entry!`], [`submit_component!`]), the descriptions `modnas list --detail` prints
//! ([`ComponentDoc`]), the arguments' parsing ([`deserialize_args`]) and the metric map an
//! evaluation yields ([`MetricMap`]).
//!
//! Each component kind (candidate, model, optimizer, estimator...) is one `inventory`
//! collection of `'static` entries, defined in the crate that owns the kind with
//! [`registry_entry!`]; its `register_*!` macro submits the entry and its description in one
//! declaration, so a component's name, argument type and sentence are written once.

mod component_doc;
mod merged_args;
mod metric_map;
mod registry;

pub use component_doc::{component_docs, ComponentDoc, KeyDoc};
pub use merged_args::{schema_keys, Merged};
pub use metric_map::MetricMap;
pub use registry::{deserialize_args, lookup, registered_names, NoArgs, Registered, UnknownName};

/// `#[nas_config]`: argument and config types with their defaults written as literals
/// (`#[config(default = 10)]`), a `new` for the required fields and `with_*` for the others.
pub use modnas_derive::nas_config;

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use schemars;
#[doc(hidden)]
pub use toml;
