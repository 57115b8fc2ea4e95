//! `SPOSEstim` (Guo et al., 2020; paper G.4): train a supernet of single-path operators with
//! uniformly sampled paths, then search: every proposed subnet inherits the shared weights,
//! its batch-norm statistics are recomputed on `recal_batches` training batches, and it is
//! evaluated without retraining.

use super::one_shot::OneShot;
use super::{search_loop, Estim, SearchArgs, SearchContext, SearchOutcome, SuperNetArgs};
use crate::{register_estim, EstimError, OneShotRun, PathSchedule, TaskContext};
use serde::Deserialize;

/// Arguments of [`SPOSEstim`] and `CARSEstim`, besides the [`SearchArgs`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneShotArgs {
    /// Supernet training epochs before the search (CARS: warm-up epochs).
    #[config(default = 10)]
    pub epochs: usize,
    /// Training batches whose statistics recalibrate batch norm for each subnet (0: off).
    #[config(default = 10)]
    pub recal_batches: usize,
    /// Batch size.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Initial SGD learning rate (cosine annealed).
    #[config(default = 0.025)]
    pub lr: f64,
    /// Final learning rate.
    #[config(default = 0.001)]
    pub lr_min: f64,
    /// CARS: evaluations per search round.
    #[config(default = 10)]
    pub round_trials: usize,
    /// CARS: supernet epochs on the last round's architectures between rounds.
    #[config(default = 1)]
    pub round_epochs: usize,
}

impl OneShotArgs {
    /// Runs the one-shot search of a `[task]` by `component` on `schedule`: the image path's
    /// `batch_size`, `lr` and `lr_min` do not apply (the task's batches and optimizer train
    /// the supernet) and are refused when set.
    pub(crate) fn run_task(
        &self,
        component: &'static str,
        ctx: &mut TaskContext<'_>,
        search: &SearchArgs,
        schedule: PathSchedule,
    ) -> Result<SearchOutcome, EstimError> {
        self.check_task_args(component)?;
        let shot = OneShotRun {
            component,
            schedule,
            optim: ctx.optim,
            observer: ctx.observer,
            replay: ctx.replay,
            search,
            epochs: self.epochs,
            recalibrate: self.recal_batches > 0,
            seed: ctx.seed,
            run_dir: ctx.run_dir,
        };
        ctx.task.one_shot(ctx.run, shot)
    }

    /// Refuses, naming them, the image path's `batch_size`, `lr` and `lr_min` when set: a
    /// task's batches and optimizer train its supernet.
    pub(crate) fn check_task_args(&self, component: &str) -> Result<(), EstimError> {
        let defaults = Self::new();
        let image_only = [
            ("batch_size", self.batch_size != defaults.batch_size),
            ("lr", self.lr != defaults.lr),
            ("lr_min", self.lr_min != defaults.lr_min),
        ];
        let set: Vec<&str> = image_only
            .iter()
            .filter(|(_, s)| *s)
            .map(|(k, _)| *k)
            .collect();
        if !set.is_empty() {
            return Err(EstimError::InvalidArgs {
                component: component.into(),
                reason: format!(
                    "[{}] do not apply to a `[task]`: its own batches and `Task::optimizer` train the supernet; set them in the task",
                    set.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// The supernet-training settings.
    pub(crate) fn train_args(&self) -> Result<SuperNetArgs, EstimError> {
        Ok(SuperNetArgs::new()
            .with_epochs(self.epochs.max(1))
            .with_batch_size(self.batch_size)
            .with_lr(self.lr)
            .with_lr_min(self.lr_min))
    }
}

/// The single-path one-shot estimator.
pub struct SPOSEstim {
    args: OneShotArgs,
    search: SearchArgs,
}

impl Estim for SPOSEstim {
    fn resumable(&self) -> bool {
        true
    }

    /// The task's model as a supernet of single-path operators, trained for `epochs` with the
    /// task's optimizer on its batches, then its sub-networks searched with the inherited
    /// weights, each recalibrated on one training batch (when `recal_batches` > 0). The image
    /// path's `batch_size`, `lr` and `lr_min` do not apply and are refused when set.
    fn check_task(&self) -> Result<(), EstimError> {
        self.args.check_task_args("SPOSEstim")
    }
}

impl crate::TrialEstim for SPOSEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let epochs = self.args.epochs;
        let mut net = OneShot::new(
            ctx,
            "SPOSEstim",
            self.args.train_args()?,
            epochs,
            self.args.recal_batches,
        )?;
        for epoch in net.resume(ctx)?..epochs {
            let loss = net.train_epoch(ctx, None)?;
            net.checkpoint(ctx)?;
            tracing::info!(epoch, loss, "SPOS supernet epoch");
        }
        search_loop(ctx, &self.search, |ctx, arch, index| {
            net.evaluate(ctx, arch, index)
        })
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        self.args
            .run_task("SPOSEstim", ctx, &self.search, PathSchedule::Uniform)
    }
}

register_estim!(
    /// single-path one-shot: a supernet trained on uniform paths, then subnets evaluated with
    /// inherited weights; 100 trials by default
    "SPOSEstim", |args: crate::WithSearch<OneShotArgs>| {
        Ok(crate::Estimator::Trials(Box::new(SPOSEstim {
            args: args.own,
            search: args.shared.search_args(100),
        })))
    }
);
