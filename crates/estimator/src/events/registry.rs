//! The callback registry: `register_callback!("MyCallback", build)` where `build(args)`
//! returns the callback from its `[[callbacks]] args`.

use super::base::RunCallback;
use crate::EstimError;
use modnas_param_space::{lookup, registered_names};

/// Builds a callback from its TOML arguments.
pub type CallbackBuildFn = fn(&toml::Table) -> Result<Box<dyn RunCallback>, EstimError>;

modnas_param_space::registry_entry!(
    /// A registered run callback.
    CallbackEntry, "callback", CallbackBuildFn
);

/// Registers a callback under a name: `register_callback!("MyCallback", build);`.
#[macro_export]
macro_rules! register_callback {
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::CallbackEntry::new($name, $build) }
    };
}

/// Builds the callback registered as `name` (an unknown name lists the known ones).
pub fn build_callback(name: &str, args: &toml::Table) -> Result<Box<dyn RunCallback>, EstimError> {
    (lookup::<CallbackEntry>(name)?.build)(args)
}

/// Names of all registered callbacks, sorted.
pub fn callback_names() -> Vec<&'static str> {
    registered_names::<CallbackEntry>()
}
