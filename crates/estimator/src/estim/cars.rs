//! `CARSEstim` (Yang et al., 2020; paper G.4): uniform warm-up training of a single-path
//! supernet for `epochs`, then search rounds of `round_trials` evaluations (weights inherited,
//! batch norm recalibrated), with `round_epochs` supernet epochs on the previous round's
//! architectures before each round. The supernet is checkpointed after every epoch, so an
//! interrupted run resumes.

use super::one_shot::OneShot;
use super::{search_loop, Estim, OneShotArgs, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError, PathSchedule, TaskContext};
use modnas_param_space::ArchDesc;

/// The CARS estimator: supernet training interleaved with the search.
pub struct CARSEstim {
    args: OneShotArgs,
    search: SearchArgs,
}

impl Estim for CARSEstim {
    fn resumable(&self) -> bool {
        true
    }

    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let a = self.args.clone();
        let round_trials = a.round_trials.max(1);
        let rounds = self
            .search
            .budget
            .trials
            .unwrap_or(100)
            .div_ceil(round_trials);
        let total = a.epochs + rounds * a.round_epochs;
        let mut net = OneShot::new(ctx, "CARSEstim", a.train_args()?, total, a.recal_batches)?;
        // The supernet epochs due before trial `index`: the warm-up, then `round_epochs` at
        // every round boundary up to `index`. A resumed run trains only what its checkpoint
        // lacks, on the same round's architectures, so it repeats the uninterrupted run.
        let due = |index: usize| a.epochs + (index / round_trials) * a.round_epochs;
        let done = net.resume(ctx)?;
        if done > due(ctx.replay.len()) {
            return Err(damaged_checkpoint(ctx, done, due(ctx.replay.len())));
        }
        while net.epochs_done() < a.epochs {
            let loss = net.train_epoch(ctx, None)?;
            net.checkpoint(ctx)?;
            tracing::info!(epoch = net.epochs_done() - 1, loss, "CARS warm-up epoch");
        }
        let mut history: Vec<ArchDesc> = ctx.replay.iter().map(|t| t.arch.clone()).collect();
        search_loop(ctx, &self.search, |ctx, arch, index| {
            while net.epochs_done() < due(index) {
                // Round `r` trains on the architectures of trials r·n .. (r+1)·n.
                let round = (net.epochs_done() - a.epochs) / a.round_epochs;
                let pool = &history[round * round_trials..((round + 1) * round_trials).min(index)];
                let loss = net.train_epoch(ctx, Some(pool))?;
                net.checkpoint(ctx)?;
                tracing::info!(index, loss, "CARS supernet epoch");
            }
            history.push(arch.clone());
            net.evaluate(ctx, arch, index)
        })
    }

    /// CARS over a `[task]`: the task's model as a supernet of single-path operators, warmed
    /// up on uniform paths, then between search rounds trained on the last round's
    /// architectures, with the task's batches and optimizer (no checkpoints: a resumed run
    /// trains the supernet again, on the same rounds).
    fn check_task(&self) -> Result<(), EstimError> {
        self.args.check_task_args("CARSEstim")
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        let schedule = PathSchedule::Rounds {
            round_trials: self.args.round_trials.max(1),
            round_epochs: self.args.round_epochs,
        };
        self.args.run_task("CARSEstim", ctx, &self.search, schedule)
    }
}

fn damaged_checkpoint(ctx: &SearchContext<'_>, done: usize, due: usize) -> EstimError {
    let dir = ctx
        .run_dir
        .map(|d| d.join("checkpoint"))
        .unwrap_or_default();
    super::checkpoint::damaged(
        &dir,
        format!(
            "{done} supernet epochs done, but the {} recorded trials need at most {due}",
            ctx.replay.len()
        ),
    )
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
modnas_param_space::describe_component!(
    "estimator",
    "CARSEstim",
    "CARS (Yang et al. 2020): supernet warm-up, then rounds of inherited-weight evaluations with supernet training between them; 100 trials by default",
    super::WithSearch<OneShotArgs>
);
