//! The callback registry: `register_callback!("MyCallback", build)` where `build(args)`
//! returns the callback from its `[[callbacks]] args`.

use super::run_callback::RunCallback;
use crate::EstimError;
use modnas_core::{lookup, registered_names};

/// Builds a callback from its TOML arguments.
pub type CallbackBuildFn = fn(&toml::Table) -> Result<Box<dyn RunCallback>, EstimError>;

modnas_core::registry_entry!(
    /// A registered run callback.
    CallbackEntry, "callback", CallbackBuildFn
);

/// Registers a run callback: its doc comment (what `modnas list --detail` says of it), its name and a
/// closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the component) to the callback, or `|| …` when it takes no
/// arguments (any key is refused).
#[macro_export]
macro_rules! register_callback {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::CallbackEntry, $crate::parse_args; $($t)*);
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
