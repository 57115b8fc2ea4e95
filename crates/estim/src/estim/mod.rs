//! Estimators and the search routine.

// The file is named for the trait it holds, as every trait file here.
mod batch_loss;
pub mod cars;
pub(crate) mod checkpoint;
mod command_trial;
pub mod default_estim;
mod dispatch;
#[allow(clippy::module_inception)]
mod estim;
mod expected_cost;
pub mod hptune;
mod one_shot;
pub mod progressive;
mod search_args;
mod search_loop;
pub mod spos;
pub mod subnet;
pub mod supernet;
mod supernet_args;
mod supernet_problem;
mod supernet_step;
mod supernet_with;
mod trained_model;
mod trial;
mod trial_failure;
mod trial_source;
pub use trial_source::{evaluate_reported, Reported};

pub use batch_loss::{BatchLoss, LossFn, TrainerLoss};
pub use cars::CARSEstim;
pub(crate) use cars::CarsRounds;
pub use checkpoint::CHECKPOINT_DIRS;
pub use command_trial::{fill_placeholders, placeholders, run_command_trial};
pub use default_estim::{read_arch_file, DefaultEstim, DefaultEstimArgs};
pub use dispatch::TrialDispatch;
pub use estim::{
    build_estim, estim_names, train_and_evaluate, train_and_evaluate_net, ConfigRunner, Estim,
    EstimBuildFn, EstimEntry, Estimator, NetBuilder, SearchContext, SearchOutcome, StopReason,
    SupernetEstim, TrialEstim, TrialObserver,
};
pub use expected_cost::ExpectedCost;
pub use hptune::{overrides, HPTuneArgs, HPTuneEstim, HPTUNE_DIR};
pub use progressive::{shrink_schedule, ProgressiveShrinkingEstim, ShrinkArgs, ShrinkStage};
pub use search_args::{Budget, Mode, Objective, Revisit, SearchArgs, SearchKeys, WithSearch};
pub(crate) use search_loop::search_trials;
pub use search_loop::{
    search_loop, search_loop_reporting, search_with, search_with_reporting, Reporting,
};
pub use spos::{OneShotArgs, SPOSEstim};
pub use subnet::{SubNetArgs, SubNetEstim};
pub use supernet::{SuperNetArgs, SuperNetEstim, WeightSource};
pub use supernet_problem::{arch_grads_on, backward_on, Batch, StepLoss};
pub use supernet_step::{arch_step, weight_step, StepParts};
pub use supernet_with::{supernet_with, Batches, SuperNetLoopArgs, SuperNetOptims, SuperNetParts};
pub use trained_model::{MODEL_FILE, MODEL_TOML};
pub(crate) use trial::metrics_with_nan;
pub use trial::{AlphaSnapshot, Trial};
