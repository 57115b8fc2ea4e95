//! The callback registry: [`register_callback!`](crate::register_callback) takes a doc comment, a
//! name and a closure that builds the callback from its `[[callbacks]] args`.

use super::run_callback::RunCallback;
use crate::EstimError;

modnas_core::table_registry!(
    /// A registered run callback.
    CallbackEntry, "callback", CallbackBuildFn -> Box<dyn RunCallback>, EstimError;
    build_callback, callback_names
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
