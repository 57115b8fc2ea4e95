//! [`TaskContext`]: what an estimator searching a registered task is handed.

use super::erased::{ErasedTask, TaskRun};
use crate::estim::{Trial, TrialObserver};
use modnas_optim::ArchOptim;

/// Everything an estimator needs to search a registered task (`[task]` of a config); `O` is
/// the optimizer of its role (discrete by default, `dyn GradientOptim` for `SuperNetEstim`).
pub struct TaskContext<'a, O: ?Sized = dyn ArchOptim> {
    /// The task.
    pub task: &'a dyn ErasedTask,
    /// The candidate sets and the training device its models are built with.
    pub run: TaskRun<'a>,
    /// The search algorithm: discrete for `SubNetEstim` and the one-shot estimators,
    /// gradient for `SuperNetEstim`.
    pub optim: &'a mut O,
    /// Where trials go.
    pub observer: &'a mut dyn TrialObserver,
    /// Trials an interrupted run already recorded (replayed, not evaluated again).
    pub replay: &'a [Trial],
    /// The run's seed.
    pub seed: u64,
    /// The metric the search ranks by.
    pub objective: &'a str,
    /// The run directory (checkpoints of supernet searches go there), if any.
    pub run_dir: Option<&'a std::path::Path>,
    /// The run's pruner (`[pruner]`): `SubNetEstim` hands it to the search loop, which stops
    /// trials whose reported epochs fall behind. `None`: every trial trains all its epochs.
    pub pruning: Option<crate::Pruning>,
}
