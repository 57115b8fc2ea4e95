//! `DefaultEstim`: trains the network as constructed (its default architecture) and
//! evaluates it once.

use super::search_loop::BestTracker;
use super::{
    train_and_evaluate, Estim, Mode, Objective, SearchContext, SearchOutcome, StopReason, Trial,
};
use crate::{parse_args, register_estim, EstimError};
use serde::Deserialize;
use std::time::Instant;

/// Arguments of [`DefaultEstim`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultEstimArgs {
    /// Training epochs. Default 1.
    #[serde(default = "one")]
    pub epochs: usize,
    /// Metric reported as the objective. Default `acc`.
    #[serde(default = "acc")]
    pub objective: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Mode,
}

fn one() -> usize {
    1
}
fn acc() -> String {
    "acc".into()
}

/// Trains and evaluates the constructed network once; the optimizer is not consulted.
pub struct DefaultEstim {
    args: DefaultEstimArgs,
}

impl Estim for DefaultEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let t0 = Instant::now();
        let metrics = train_and_evaluate(ctx, None, self.args.epochs, ctx.seed)?;
        let arch = ctx.space.to_desc();
        let trial = Trial {
            index: 0,
            arch,
            metrics,
            seconds: t0.elapsed().as_secs_f64(),
        };
        ctx.observer.on_trial(&trial)?;
        let mut best = BestTracker::new(Objective {
            key: self.args.objective.clone(),
            mode: self.args.mode,
        });
        best.offer(&trial)?;
        Ok(SearchOutcome {
            best: best.into_best(),
            trials: 1,
            stop: StopReason::Done,
        })
    }
}

fn build(args: &toml::Table) -> Result<Box<dyn Estim>, EstimError> {
    let args: DefaultEstimArgs = parse_args("DefaultEstim", args)?;
    if args.epochs == 0 {
        return Err(EstimError::InvalidArgs {
            component: "DefaultEstim".into(),
            reason: "`epochs` must be at least 1".into(),
        });
    }
    Ok(Box::new(DefaultEstim { args }))
}
register_estim!("DefaultEstim", build);
