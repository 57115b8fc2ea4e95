//! `CARSEstim` (Yang et al., 2020; paper G.4): uniform warm-up training of a single-path
//! supernet for `epochs`, then search rounds of `round_trials` evaluations (weights inherited,
//! batch norm recalibrated), with `round_epochs` supernet epochs on the previous round's
//! architectures before each round.

use super::one_shot::OneShot;
use super::{search_loop, Estim, OneShotArgs, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError};
use modnas_param_space::ArchDesc;

/// The CARS estimator: supernet training interleaved with the search.
pub struct CARSEstim {
    args: OneShotArgs,
    search: SearchArgs,
}

impl Estim for CARSEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let a = self.args.clone();
        let rounds = self
            .search
            .budget
            .trials
            .unwrap_or(100)
            .div_ceil(a.round_trials.max(1));
        let total = a.epochs + rounds * a.round_epochs;
        let mut net = OneShot::new(ctx, "CARSEstim", a.train_args()?, total, a.recal_batches)?;
        for epoch in 0..a.epochs {
            let loss = net.train_epoch(ctx, None)?;
            tracing::info!(epoch, loss, "CARS warm-up epoch");
        }
        let mut round: Vec<ArchDesc> = vec![];
        search_loop(ctx, &self.search, |ctx, arch, index| {
            if index > 0 && index % a.round_trials.max(1) == 0 {
                for _ in 0..a.round_epochs {
                    let loss = net.train_epoch(ctx, Some(&round))?;
                    tracing::info!(index, loss, "CARS supernet epoch");
                }
                round.clear();
            }
            round.push(arch.clone());
            net.evaluate(ctx, arch, index)
        })
    }
}

fn build(args: &toml::Table) -> Result<Box<dyn Estim>, EstimError> {
    let (search, args): (SearchArgs, OneShotArgs) = SearchArgs::parse_with("CARSEstim", args, 100)?;
    if args.round_trials == 0 {
        return Err(EstimError::InvalidArgs {
            component: "CARSEstim".into(),
            reason: "`round_trials` must be at least 1".into(),
        });
    }
    Ok(Box::new(CARSEstim { args, search }))
}
register_estim!("CARSEstim", build);
