//! Pruners (`[pruner]` of a config): early stopping of trials by their learning curves.

// The file is named for the trait it holds, as every trait file here.
mod hyperband;
mod patience;
mod percentile;
#[allow(clippy::module_inception)]
mod pruner;
mod successive_halving;

pub use hyperband::{HyperbandArgs, HyperbandPruner};
pub use patience::{PatienceArgs, PatiencePruner};
pub use percentile::{MedianArgs, PercentileArgs, PercentilePruner};
pub use pruner::{
    build_pruner, pruner_names, CurveEnd, Curves, Pruner, PrunerBuildFn, PrunerEntry, TrialCurve,
};
pub use successive_halving::{SuccessiveHalvingArgs, SuccessiveHalvingPruner};
