//! `SubNetEstim`: every proposed architecture is trained from scratch and evaluated.

use super::{
    search_trials, search_with_reporting, train_and_evaluate, Estim, Reporting, SearchArgs,
    SearchContext, SearchOutcome,
};
use crate::{register_estim, EstimError, TaskContext, TrialReporter};
use modnas_core::MetricMap;
use modnas_param_space::ArchDesc;
use serde::Deserialize;

/// Arguments of [`SubNetEstim`], besides the [`SearchArgs`] (`trials` defaults to 10).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubNetArgs {
    /// Training epochs per architecture.
    #[config(default = 1)]
    pub epochs: usize,
}

/// Trains each proposed subnet from scratch for `epochs` (paper: subnet-based search).
pub struct SubNetEstim {
    args: SubNetArgs,
    search: SearchArgs,
}

impl SubNetEstim {
    /// An estimator with `args` searching within `search`.
    pub fn new(args: SubNetArgs, search: SearchArgs) -> Result<Self, EstimError> {
        if args.epochs == 0 {
            return Err(EstimError::InvalidArgs {
                component: "SubNetEstim".into(),
                reason: "`epochs` must be at least 1".into(),
            });
        }
        Ok(Self { args, search })
    }
}

impl Estim for SubNetEstim {
    fn resumable(&self) -> bool {
        true
    }

    /// Each proposed architecture built, trained for `epochs` by the task and scored by it,
    /// its weights seeded with the run's seed plus the trial's index.
    fn check_task(&self) -> Result<(), EstimError> {
        Ok(())
    }
}

impl crate::TrialEstim for SubNetEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        search_trials(&*self, ctx, &self.search)
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        let (task, run, seed, epochs) = (ctx.task, ctx.run, ctx.seed, self.args.epochs);
        let evaluate = |arch: &ArchDesc, index: usize, reporter: &mut TrialReporter<'_>| {
            let seed = seed.wrapping_add(index as u64);
            task.train_and_evaluate(run, arch, epochs, seed, reporter)
        };
        let reporting = Reporting {
            pruning: ctx.pruning.take(),
            checkpoints: ctx.run_dir.map(|d| d.to_path_buf()),
        };
        let (optim, observer, replay) = (&mut *ctx.optim, &mut *ctx.observer, ctx.replay);
        search_with_reporting(optim, observer, replay, &self.search, reporting, evaluate)
    }

    fn distributable(&self) -> bool {
        true
    }

    fn fidelities(&self) -> &'static [modnas_optim::FidelityKind] {
        &[
            modnas_optim::FidelityKind::Epochs,
            modnas_optim::FidelityKind::DataFraction,
        ]
    }

    fn evaluate_trial(
        &self,
        ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        index: usize,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError> {
        let seed = ctx.seed.wrapping_add(index as u64);
        train_and_evaluate(ctx, Some(arch), self.args.epochs, seed, reporter)
    }
}

register_estim!(
    /// every proposed architecture trained from scratch and evaluated; 10 trials by default
    "SubNetEstim", |args: crate::WithSearch<SubNetArgs>| {
        Ok(crate::Estimator::Trials(Box::new(SubNetEstim::new(
            args.own,
            args.shared.search_args(10),
        )?)))
    }
);
