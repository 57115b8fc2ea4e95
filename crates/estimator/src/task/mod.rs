//! Search tasks of the user's own: their model, batches, loss and metrics, registered by name
//! and searched by the estimators from TOML.

mod base;
mod batch_share;
mod context;
mod erased;
mod one_shot;
mod registry;
mod scores;
mod streamed_image;

pub use base::{fit, Task, TaskData};
pub use context::TaskContext;
pub use erased::{ErasedTask, OneShotRun, TaskRun};
pub use one_shot::PathSchedule;
pub use registry::{build_task, build_typed_task, task_names, TaskBuildFn, TaskEntry};
pub use scores::{ClassificationScores, RegressionScores};
pub use streamed_image::{ModelChoice, StreamedImageTask, StreamedSource};
