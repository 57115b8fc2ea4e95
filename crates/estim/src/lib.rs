#![warn(missing_docs)]
//! Estimators of modnas (paper, Appendix C.3), the search routine (Algorithm 2), the image
//! classification trainer and the data readers.

mod bn_recal;
/// Training losses as a chain of criteria.
pub mod criterion;
/// Data sets and readers.
pub mod data;
mod epoch_loss;
mod error;
mod estim;
/// Run events and callbacks.
pub mod events;
mod learner_fit;
mod learner_trainer;
mod progress;
/// Pruners: early stopping of trials by their learning curves.
pub mod pruner;
mod schedule;
mod silent_renderer;
/// Table-based estimation.
pub mod tabular;
mod task;
mod trainer;
mod trial_trainer;

pub use bn_recal::{recalibrate_bn, running_stats};
pub use criterion::{
    build_criterion, criterion_names, Criterion, CriterionChain, CriterionEntry, CriterionSpec,
};
pub use error::{parse_args, EstimError};
pub use estim::{
    arch_grads_on, arch_step, backward_on, build_estim, estim_names, evaluate_reported,
    fill_placeholders, overrides, placeholders, read_arch_file, run_command_trial, search_loop,
    search_loop_reporting, search_with, search_with_reporting, shrink_schedule, supernet_with,
    train_and_evaluate, train_and_evaluate_net, weight_step, AlphaSnapshot, Batch, BatchLoss,
    Batches, Budget, CARSEstim, ConfigRunner, DefaultEstim, DefaultEstimArgs, Estim, EstimBuildFn,
    EstimEntry, Estimator, ExpectedCost, HPTuneArgs, HPTuneEstim, LossFn, Mode, NetBuilder,
    Objective, OneShotArgs, ProgressiveShrinkingEstim, Reported, Reporting, SPOSEstim, SearchArgs,
    SearchContext, SearchKeys, SearchOutcome, ShrinkArgs, ShrinkStage, StepLoss, StepParts,
    StopReason, SubNetArgs, SubNetEstim, SuperNetArgs, SuperNetEstim, SuperNetLoopArgs,
    SuperNetOptims, SuperNetParts, SupernetEstim, TrainerLoss, Trial, TrialDispatch, TrialEstim,
    TrialObserver, WeightSource, WithSearch, CHECKPOINT_DIRS, HPTUNE_DIR, MODEL_FILE, MODEL_TOML,
};
/// The estimators, one module each (`modnas::estim::spos::SPOSEstim`).
pub use estim::{cars, default_estim, hptune, progressive, spos, subnet, supernet};
pub use events::{
    build_callback, callback_names, remove_trial_checkpoint, trial_checkpoint_dir, CallbackBuildFn,
    CallbackEntry, EpochReport, EventSink, Pruning, RunCallback, RunEvent, TrialReporter,
    TRIAL_CHECKPOINTS,
};
pub use learner_fit::{
    learner_fit, learner_fit_batches, LearnerFitted, LearnerSchedule, LearnerTrainerArgs,
};
pub use learner_trainer::LearnerTrainer;
pub use progress::PROGRESS_TARGET;
pub use pruner::{build_pruner, pruner_names, Curves, Pruner, PrunerBuildFn, PrunerEntry};
pub use silent_renderer::SilentRenderer;
pub use task::{
    build_task, build_typed_task, fit, task_names, ClassificationScores, ErasedTask, ModelChoice,
    OneShotRun, PathSchedule, RegressionScores, StreamedImageTask, StreamedSource, Task,
    TaskBuildFn, TaskContext, TaskData, TaskEntry, TaskRun,
};
pub use trainer::{cutout_mask, EvalStats, ImageClsTrainer, TrainerArgs, WeightOptimKind};
pub use trial_trainer::{
    build_trainer, cross_entropy, trainer_names, TrainerBuildFn, TrainerEntry, TrialTrainer,
    WeightTraining,
};

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use modnas_core as __core;
