//! The task registry: `register_task!(/// …\n "MyTask", MyTask)` makes a [`Task`] whose type
//! deserializes from its `[task] args` the `[task] type = "MyTask"` of a config.

use super::erased::ErasedTask;
use super::task::Task;
use crate::{parse_args, EstimError};
use modnas_core::{lookup, registered_names};
use serde::de::DeserializeOwned;

/// Builds a task from its `[task] args`.
pub type TaskBuildFn = fn(&toml::Table) -> Result<Box<dyn ErasedTask>, EstimError>;

modnas_core::registry_entry!(
    /// A registered task.
    TaskEntry, "task", TaskBuildFn
);

/// Registers a task type: its doc comment (what `modnas list --detail` says of it), its name
/// and the type, which its `[task] args` deserialize into (errors name the task):
/// `register_task!(/// what it is\n "MyTask", MyTask);`.
#[macro_export]
macro_rules! register_task {
    ($(#[doc = $about:expr])* $name:literal, $task:ty) => {
        $crate::__core::submit_component!(
            $crate::TaskEntry, $name, [$($about),*], $task,
            |args| $crate::build_typed_task::<$task>($name, args)
        );
    };
}

/// The task `T` from its `args` (a malformed one names the task and the key).
pub fn build_typed_task<T: Task + DeserializeOwned>(
    name: &str,
    args: &toml::Table,
) -> Result<Box<dyn ErasedTask>, EstimError> {
    Ok(Box::new(parse_args::<T>(name, args)?))
}

/// Builds the task registered as `name` (an unknown name lists the known ones).
pub fn build_task(name: &str, args: &toml::Table) -> Result<Box<dyn ErasedTask>, EstimError> {
    (lookup::<TaskEntry>(name)?.build)(args)
}

/// Names of all registered tasks, sorted.
pub fn task_names() -> Vec<&'static str> {
    registered_names::<TaskEntry>()
}
