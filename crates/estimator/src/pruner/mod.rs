//! Pruners (`[pruner]` of a config): early stopping of trials by their learning curves.

mod base;
mod hyperband;
mod patience;
mod percentile;
mod successive_halving;

pub use base::{
    build_pruner, pruner_names, CurveEnd, Curves, Pruner, PrunerBuildFn, PrunerEntry, TrialCurve,
};
pub use hyperband::{HyperbandArgs, HyperbandPruner};
pub use patience::{PatienceArgs, PatiencePruner};
pub use percentile::{MedianArgs, PercentileArgs, PercentilePruner};
pub use successive_halving::{SuccessiveHalvingArgs, SuccessiveHalvingPruner};
