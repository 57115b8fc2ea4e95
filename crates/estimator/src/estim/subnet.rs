//! `SubNetEstim`: every proposed architecture is trained from scratch and evaluated.

use super::{
    search_loop, train_and_evaluate, Budget, Estim, Mode, Objective, SearchContext, SearchOutcome,
};
use crate::{parse_args, register_estim, EstimError};
use serde::Deserialize;

/// Arguments of [`SubNetEstim`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubNetArgs {
    /// Training epochs per architecture. Default 1.
    #[serde(default = "one")]
    pub epochs: usize,
    /// Maximum number of trials. Default 10.
    #[serde(default = "ten")]
    pub trials: Option<usize>,
    /// Maximum wall-clock seconds of the search. Default unlimited.
    pub max_seconds: Option<f64>,
    /// Metric to optimise. Default `acc`.
    #[serde(default = "acc")]
    pub objective: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Mode,
}

fn one() -> usize {
    1
}
fn ten() -> Option<usize> {
    Some(10)
}
fn acc() -> String {
    "acc".into()
}

/// Trains each proposed subnet from scratch for `epochs` (paper: subnet-based search).
pub struct SubNetEstim {
    args: SubNetArgs,
}

impl SubNetEstim {
    /// An estimator with `args`.
    pub fn new(args: SubNetArgs) -> Result<Self, EstimError> {
        if args.epochs == 0 {
            return Err(EstimError::InvalidArgs {
                component: "SubNetEstim".into(),
                reason: "`epochs` must be at least 1".into(),
            });
        }
        if args.max_seconds.is_some_and(|s| s.is_nan() || s <= 0.0) {
            return Err(EstimError::InvalidArgs {
                component: "SubNetEstim".into(),
                reason: "`max_seconds` must be positive".into(),
            });
        }
        Ok(Self { args })
    }
}

impl Estim for SubNetEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let budget = Budget {
            trials: self.args.trials,
            seconds: self.args.max_seconds,
        };
        let objective = Objective {
            key: self.args.objective.clone(),
            mode: self.args.mode,
        };
        let epochs = self.args.epochs;
        search_loop(ctx, budget, objective, |ctx, arch, index| {
            train_and_evaluate(ctx, Some(arch), epochs, ctx.seed.wrapping_add(index as u64))
        })
    }
}

fn build(args: &toml::Table) -> Result<Box<dyn Estim>, EstimError> {
    Ok(Box::new(SubNetEstim::new(parse_args(
        "SubNetEstim",
        args,
    )?)?))
}
register_estim!("SubNetEstim", build);
