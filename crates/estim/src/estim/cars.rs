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

    /// CARS over a `[task]`: the task's model as a supernet of single-path operators, warmed
    /// up on uniform paths, then between search rounds trained on the last round's
    /// architectures, with the task's batches and optimizer (no checkpoints: a resumed run
    /// trains the supernet again, on the same rounds).
    fn check_task(&self) -> Result<(), EstimError> {
        self.args.check_task_args("CARSEstim")
    }
}

impl crate::TrialEstim for CARSEstim {
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
        // A resumed run trains only what its checkpoint lacks, on the same round's
        // architectures, so it repeats the uninterrupted run.
        let rounds = CarsRounds {
            warmup: a.epochs,
            round_trials,
            round_epochs: a.round_epochs,
        };
        let done = net.resume(ctx)?;
        if done > rounds.due(ctx.replay.len()) {
            return Err(damaged_checkpoint(ctx, done, rounds.due(ctx.replay.len())));
        }
        while net.epochs_done() < a.epochs {
            let loss = net.train_epoch(ctx, None)?;
            net.checkpoint(ctx)?;
            tracing::info!(epoch = net.epochs_done() - 1, loss, "CARS warm-up epoch");
        }
        let mut history: Vec<ArchDesc> = ctx.replay.iter().map(|t| t.arch.clone()).collect();
        search_loop(ctx, &self.search, |ctx, arch, index| {
            while net.epochs_done() < rounds.due(index) {
                let pool = &history[rounds.pool(net.epochs_done(), index)];
                let loss = net.train_epoch(ctx, Some(pool))?;
                net.checkpoint(ctx)?;
                tracing::info!(index, loss, "CARS supernet epoch");
            }
            history.push(arch.clone());
            net.evaluate(ctx, arch, index)
        })
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        let schedule = PathSchedule::Rounds {
            round_trials: self.args.round_trials.max(1),
            round_epochs: self.args.round_epochs,
        };
        self.args.run_task("CARSEstim", ctx, &self.search, schedule)
    }
}

/// CARS's supernet schedule: `warmup` epochs, then `round_epochs` before the first trial of
/// every round of `round_trials` trials, on the architectures of the round before.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CarsRounds {
    pub(crate) warmup: usize,
    pub(crate) round_trials: usize,
    pub(crate) round_epochs: usize,
}

impl CarsRounds {
    /// The supernet epochs due before trial `index`: the warm-up, then `round_epochs` at
    /// every round boundary up to `index`.
    pub(crate) fn due(&self, index: usize) -> usize {
        self.warmup + (index / self.round_trials) * self.round_epochs
    }

    /// The trials whose architectures the next epoch trains on, `epochs_done` done, before
    /// trial `index`: the epochs of round `r` train on trials r·n .. (r+1)·n.
    pub(crate) fn pool(&self, epochs_done: usize, index: usize) -> std::ops::Range<usize> {
        let round = (epochs_done - self.warmup) / self.round_epochs;
        round * self.round_trials..((round + 1) * self.round_trials).min(index)
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

register_estim!(
    /// CARS (Yang et al. 2020): supernet warm-up, then rounds of inherited-weight evaluations with
    /// supernet training between them; 100 trials by default
    "CARSEstim", |args: crate::WithSearch<OneShotArgs>| {
        if args.own.round_trials == 0 {
            return Err(EstimError::InvalidArgs {
                component: "CARSEstim".into(),
                reason: "`round_trials` must be at least 1".into(),
            });
        }
        Ok(crate::Estimator::Trials(Box::new(CARSEstim {
            args: args.own,
            search: args.shared.search_args(100),
        })))
    }
);
