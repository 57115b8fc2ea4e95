//! `DefaultEstim`: trains the network as constructed (its default architecture), or the
//! architecture of an `arch` file (the augment step after a supernet search), and evaluates it
//! once, on the validation part and, when the data has one (`test_ratio`), on the test part
//! (`test_acc`, `test_loss`). In a run directory it leaves the final model: `model.bpk` and
//! `model.toml`.

use super::search_loop::BestTracker;
use super::trained_model::save_trained;
use super::{
    train_and_evaluate_net, Estim, Mode, Objective, SearchContext, SearchOutcome, StopReason, Trial,
};
use crate::{register_estim, EstimError, TaskContext};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use serde::Deserialize;
use std::time::Instant;

/// Arguments of [`DefaultEstim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultEstimArgs {
    /// Training epochs.
    #[config(default = 1)]
    pub epochs: usize,
    /// Metric reported as the objective.
    #[config(default = "acc".into())]
    pub objective: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Mode,
    /// An architecture TOML to train instead of the default one: a search's `best.toml`
    /// (its `[arch]` table) or a plain table of parameter values.
    #[serde(default)]
    pub arch: Option<std::path::PathBuf>,
}

/// Reads an architecture from `path`: the `[arch]` table of a `best.toml`, or the whole file.
pub fn read_arch_file(path: &std::path::Path) -> Result<ArchDesc, EstimError> {
    let text = std::fs::read_to_string(path).map_err(|source| EstimError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let bad = |reason: String| EstimError::BadData {
        path: path.display().to_string(),
        reason,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let arch = match table.get("arch") {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(other) => return Err(bad(format!("`arch` must be a table, got {other}"))),
        None => table,
    };
    let text = toml::to_string(&arch).map_err(|e| bad(e.to_string()))?;
    ArchDesc::from_toml(&text).map_err(|e| bad(e.to_string()))
}

/// Trains and evaluates the constructed network once; the optimizer is not consulted.
pub struct DefaultEstim {
    args: DefaultEstimArgs,
}

impl Estim for DefaultEstim {
    fn resumable(&self) -> bool {
        true
    }

    fn check(&self, space: &ParamSpace) -> Result<(), EstimError> {
        let Some(path) = &self.args.arch else {
            return Ok(());
        };
        let arch = read_arch_file(path)?;
        space.check(&arch).map_err(|e| EstimError::BadData {
            path: path.display().to_string(),
            reason: format!("the architecture does not fit this model's space: {e}"),
        })
    }

    /// A `[task]`'s final training: the architecture of the `arch` file (checked against the
    /// task's space) or the default one trained through the task for `epochs`, scored on its
    /// validation batches and, when the task holds some out, its test batches (`test_*`).
    fn check_task(&self) -> Result<(), EstimError> {
        Ok(())
    }
}

impl crate::TrialEstim for DefaultEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let replay = ctx.replay;
        self.one_trial(replay, || {
            let file_arch = self.args.arch.as_deref().map(read_arch_file).transpose()?;
            // A long final training checkpoints each epoch and resumes where it stopped.
            let checkpoints = ctx
                .run_dir
                .map(|d| crate::events::trial_checkpoint_dir(d, 0));
            let mut reporter = crate::TrialReporter::silent(0);
            if let Some(sink) = ctx.observer.event_sink() {
                reporter = reporter.with_sink(sink);
            }
            if let Some(dir) = &checkpoints {
                reporter = reporter.with_checkpoints(dir.clone());
            }
            let (mut metrics, net) = train_and_evaluate_net(
                ctx,
                file_arch.as_ref(),
                self.args.epochs,
                ctx.seed,
                &mut reporter,
            )?;
            if let Some(dir) = checkpoints {
                crate::events::remove_trial_checkpoint(&dir)
                    .map_err(|e| EstimError::Checkpoint(format!("{}: {e}", dir.display())))?;
            }
            if !ctx.data.test.is_empty() {
                let test = ctx.trainer.evaluate(&net, &ctx.data.test, ctx.device)?;
                for (key, value) in test {
                    metrics.insert(format!("test_{key}"), value);
                }
            }
            let arch = file_arch.unwrap_or_else(|| ctx.space.to_desc());
            if let Some(dir) = ctx.run_dir {
                let (train, valid) = (&ctx.data.train, &ctx.data.valid);
                let classes = train.classes.max(valid.classes);
                save_trained(dir, &net, &arch, (train.shape, classes), false)?;
            }
            Ok((arch, metrics))
        })
        .and_then(|trial| self.record(trial, ctx.observer))
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        let replay = ctx.replay;
        self.one_trial(replay, || {
            let space = ctx.task.space(ctx.run)?;
            self.check(&space)?;
            let arch = match self.args.arch.as_deref() {
                Some(path) => read_arch_file(path)?,
                None => space.to_desc(),
            };
            let epochs = self.args.epochs;
            let metrics = ctx.task.train_and_test(ctx.run, &arch, epochs, ctx.seed)?;
            Ok((arch, metrics))
        })
        .and_then(|trial| self.record(trial, ctx.observer))
    }
}

/// The run's one trial: recorded already (a resumed run), or trained now.
enum OneTrial {
    Recorded(Trial),
    New(Trial),
}

impl DefaultEstim {
    /// The run's one trial: the recorded one of a resumed run (which is then done), or the
    /// architecture and metrics `train` gives, timed.
    fn one_trial(
        &self,
        replay: &[Trial],
        train: impl FnOnce() -> Result<(ArchDesc, MetricMap), EstimError>,
    ) -> Result<OneTrial, EstimError> {
        if let Some(recorded) = replay.first() {
            return Ok(OneTrial::Recorded(recorded.clone()));
        }
        let t0 = Instant::now();
        let (arch, metrics) = train()?;
        Ok(OneTrial::New(Trial {
            index: 0,
            arch,
            metrics,
            seconds: t0.elapsed().as_secs_f64(),
            epochs: Some(self.args.epochs),
            ..Trial::default()
        }))
    }

    /// Records a new trial and gives the run's outcome.
    fn record(
        &self,
        trial: OneTrial,
        observer: &mut dyn super::TrialObserver,
    ) -> Result<SearchOutcome, EstimError> {
        let trial = match trial {
            OneTrial::Recorded(t) => t,
            OneTrial::New(t) => {
                observer.on_trial(&t)?;
                t
            }
        };
        self.outcome(&trial)
    }

    /// The outcome of the run's one trial.
    fn outcome(&self, trial: &Trial) -> Result<SearchOutcome, EstimError> {
        let mut best = BestTracker::new(Objective {
            key: self.args.objective.clone(),
            mode: self.args.mode,
        });
        best.offer(trial)?;
        Ok(SearchOutcome {
            best: best.into_best(),
            trials: 1,
            failed: 0,
            repeats: 0,
            stop: StopReason::Done,
        })
    }
}

register_estim!(
    /// trains and evaluates one network: the default architecture or an `arch` file (augment)
    "DefaultEstim", |args: DefaultEstimArgs| {
        if args.epochs == 0 {
            return Err(EstimError::InvalidArgs {
                component: "DefaultEstim".into(),
                reason: "`epochs` must be at least 1".into(),
            });
        }
        Ok(crate::Estimator::Trials(Box::new(DefaultEstim { args })))
    }
);
