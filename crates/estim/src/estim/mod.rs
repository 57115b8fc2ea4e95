//! Estimators and the search routine.

// The file is named for the trait it holds, as every trait file here.
mod batch_loss;
mod cars;
pub(crate) mod checkpoint;
mod command_trial;
mod default_estim;
mod dispatch;
#[allow(clippy::module_inception)]
mod estim;
mod expected_cost;
mod hptune;
mod one_shot;
mod progressive;
mod search_args;
mod search_loop;
mod spos;
mod subnet;
mod supernet;
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
pub use cars::*;
pub use checkpoint::CHECKPOINT_DIRS;
pub use command_trial::{fill_placeholders, placeholders, run_command_trial};
pub use default_estim::*;
pub use dispatch::TrialDispatch;
pub use estim::*;
pub use expected_cost::*;
pub use hptune::*;
pub use progressive::*;
pub use search_args::*;
pub use search_loop::*;
pub use spos::*;
pub use subnet::*;
pub use supernet::*;
pub use supernet_problem::{arch_grads_on, backward_on, Batch, StepLoss};
pub use supernet_step::{arch_step, weight_step, StepParts};
pub use supernet_with::{supernet_with, Batches, SuperNetLoopArgs, SuperNetOptims, SuperNetParts};
pub use trained_model::{MODEL_FILE, MODEL_TOML};
pub(crate) use trial::metrics_with_nan;
pub use trial::{AlphaSnapshot, Trial};
