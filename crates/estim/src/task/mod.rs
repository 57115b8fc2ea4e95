//! Search tasks of the user's own: their model, batches, loss and metrics, registered by name
//! and searched by the estimators from TOML.

// The file is named for the trait it holds, as every trait file here.
mod batch_share;
mod context;
mod erased;
mod one_shot;
mod registry;
mod scores;
mod streamed_image;
#[allow(clippy::module_inception)]
mod task;

pub use context::TaskContext;
pub use erased::{ErasedTask, OneShotRun, TaskRun};
pub use one_shot::PathSchedule;
pub use registry::{build_task, build_typed_task, task_names, TaskBuildFn, TaskEntry};
pub use scores::{ClassificationScores, RegressionScores};
pub use streamed_image::{ModelChoice, StreamedImageTask, StreamedSource};
pub use task::{fit, Task, TaskData};
