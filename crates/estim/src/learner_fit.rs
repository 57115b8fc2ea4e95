//! [`learner_fit`]: any model trained by `burn-train`'s supervised `Learner` — the user's own
//! `TrainStep`/`InferenceStep` (a regression model giving Burn's `RegressionOutput`, a
//! classifier giving `ClassificationOutput`, or an output type of their own that adapts to
//! the loss metric), their `DataLoader`s, the optimizer, learning-rate schedule and early
//! stopping of [`LearnerTrainerArgs`]. [`LearnerTrainer`](crate::LearnerTrainer) trains the
//! image path's trials with it; a [`Task`](crate::Task) calls it from its `train`, through
//! [`learner_fit_batches`], to have its trials trained by the Learner.
//!
//! The Learner's records (one metric log per epoch) go to `records`, or to a temporary
//! directory removed afterwards; the training loss of the last epoch and the number of
//! epochs run (fewer than asked when early stopping ends the training) are read back from
//! them.
//!
//! The Learner runs its epochs itself, on a thread of its own here: at the end of each epoch
//! but the last, a hook in its early-stopping check hands the epoch's mean training loss to
//! the trial's reporter ([`TrialReporter::progress`]), so the run's subscribers (callbacks,
//! `epochs.jsonl`, the progress display) see the epochs as they end. The last epoch is the
//! caller's to report, with its model (`epoch_end`), which pruners judge.

use crate::estim::Batches;
use crate::trainer::check_weight_args;
use crate::{EstimError, SilentRenderer, TrialReporter, WeightOptimKind};
use burn::data::dataloader::DataLoader;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn_train::metric::store::EventStoreClient;
use burn_train::metric::store::{Aggregate, Direction, Split};
use burn_train::metric::{Adaptor, LossInput, LossMetric};
use burn_train::EarlyStoppingStrategy;
use burn_train::{
    InferenceStep, Learner, LearnerModel, LearnerSummary, MetricEarlyStoppingStrategy,
    StoppingCondition, SupervisedTraining, TrainStep,
};
use modnas_core::MetricMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Arguments of [`LearnerTrainer`](crate::LearnerTrainer) (`[trainer.args]`) and of
/// [`learner_fit`], with their defaults.
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LearnerTrainerArgs {
    /// `"adam"` (default) or `"sgd"` (with `momentum`).
    #[config(default = WeightOptimKind::Adam)]
    pub optimizer: WeightOptimKind,
    /// The Learner's (initial) learning rate.
    #[config(default = 1e-3)]
    pub lr: f64,
    /// `"constant"` (default) or `"cosine"`: Burn's cosine annealing from `lr` to `lr_min`
    /// over every step of the training (the loader's batches are counted in one pass first).
    #[serde(default)]
    pub schedule: LearnerSchedule,
    /// The last learning rate of the cosine schedule.
    #[serde(default)]
    pub lr_min: f64,
    /// SGD momentum.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// L2 weight decay.
    #[serde(default)]
    pub weight_decay: f32,
    /// Batch size of the loaders `LearnerTrainer` builds (a task's loaders have their own).
    #[config(default = 64)]
    pub batch_size: usize,
    /// Early stopping (burn-train's `MetricEarlyStoppingStrategy`): the training ends when
    /// the validation loss has not improved for this many epochs. Unset (default): every
    /// epoch runs.
    #[serde(default)]
    pub patience: Option<usize>,
    /// Where the Learner keeps its records (its metric logs per epoch); unset (default), a
    /// temporary directory removed afterwards. `LearnerTrainer` makes one numbered
    /// directory per training inside it.
    #[serde(default)]
    pub records: Option<PathBuf>,
}

/// The learning-rate schedule of a Learner training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LearnerSchedule {
    /// `lr` at every step.
    #[default]
    Constant,
    /// Cosine annealing from `lr` to `lr_min`.
    Cosine,
}

impl Default for LearnerTrainerArgs {
    fn default() -> Self {
        Self::new()
    }
}

impl LearnerTrainerArgs {
    /// Checks the arguments; `component` is named in the error.
    pub fn check(&self, component: &str) -> Result<(), EstimError> {
        check_weight_args(component, self.lr, self.batch_size, self.momentum)?;
        let reason = if !(0.0..=self.lr).contains(&self.lr_min) {
            format!(
                "`lr_min` = {} must lie in [0, lr = {}]",
                self.lr_min, self.lr
            )
        } else if self.patience == Some(0) {
            "`patience` = 0: give at least 1 epoch, or leave it unset".to_string()
        } else {
            return Ok(());
        };
        Err(EstimError::InvalidArgs {
            component: component.into(),
            reason,
        })
    }
}

/// What a Learner training gives back.
#[derive(Debug)]
pub struct LearnerFitted<M> {
    /// The trained model, in training mode (ready for more training or for scoring).
    pub model: M,
    /// The mean training loss of the last epoch (NaN when the Learner kept no records).
    pub train_loss: f64,
    /// The epochs that ran: fewer than asked when early stopping ended the training (those
    /// asked for when the Learner kept no records to count them in).
    pub epochs: usize,
}

/// Trains `model` with burn-train's `Learner` for at most `epochs` over `train`, the loss
/// metric (and early stopping, when `patience` is set) on `valid`; every epoch but the last
/// goes to `reporter` as it ends (see the module docs).
pub fn learner_fit<M>(
    model: M,
    train: Arc<dyn DataLoader<<M as TrainStep>::Input>>,
    valid: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
    epochs: usize,
    args: &LearnerTrainerArgs,
    reporter: &mut TrialReporter<'_>,
) -> Result<LearnerFitted<M>, EstimError>
where
    M: LearnerModel + Send,
    <M as TrainStep>::Output: Adaptor<LossInput>,
    <M as InferenceStep>::Output: Adaptor<LossInput>,
{
    args.check("LearnerTrainer")?;
    let epochs = epochs.max(1);
    let steps = match args.schedule {
        LearnerSchedule::Constant => 0,
        // The loader's own batches, counted in one pass: its batch size is the caller's.
        LearnerSchedule::Cosine => epochs * train.iter().count().max(1),
    };
    let schedule = schedule(args, steps)?;
    let (dir, temporary) = records_dir(args.records.as_deref());
    let patience = args.patience.map(|n_epochs| {
        MetricEarlyStoppingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
            StoppingCondition::NoImprovementSince { n_epochs },
        )
    });
    let (epoch_ends, ended) = crossbeam_channel::unbounded();
    let hook = EpochEnds {
        patience,
        epochs,
        ended: epoch_ends,
    };
    // The Learner is built and trains on a thread of its own (burn-train's training is not
    // `Send`) while this one reports its epochs; the channel closes when the training, with
    // its hook, is dropped at its end.
    let launch = || {
        let optim = args.optimizer.build(args.momentum, args.weight_decay);
        let learner = Learner::new(model, optim, schedule);
        SupervisedTraining::new(&dir, train, valid)
            .num_epochs(epochs)
            .metric_train_numeric(LossMetric::new())
            .metric_valid_numeric(LossMetric::new())
            // A search runs many trainings: the process's logging and terminal stay modnas's.
            .with_application_logger(None)
            .renderer(Box::new(SilentRenderer))
            .early_stopping(hook)
            .launch(learner)
    };
    let result = std::thread::scope(|scope| {
        let learning = scope.spawn(launch);
        let mut reported = Ok(());
        for (epoch, loss) in ended {
            if reported.is_ok() {
                let metrics = MetricMap::from([("train_loss".to_string(), loss)]);
                reported = reporter.progress(epoch, metrics);
            }
        }
        let result = learning.join().map_err(|_| {
            EstimError::TrialFailed("burn-train's Learner panicked while training".into())
        })?;
        reported.map(|()| result)
    })?;
    let (train_loss, ran) = last_train_loss(&dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Some(stop) = result.interrupted {
        return Err(EstimError::TrialFailed(format!(
            "burn-train's Learner stopped: {stop:?}"
        )));
    }
    Ok(LearnerFitted {
        // The Learner returns its model in inference mode; the caller gets it as it gave it.
        model: result.model.train(),
        train_loss,
        // Without records, the epochs asked for (early stopping reads the records).
        epochs: if ran > 0 { ran } else { epochs },
    })
}

/// The Learner's early-stopping check, which also hands each epoch's mean training loss to
/// the reporting thread (not the last epoch's, which the caller reports with the model).
#[derive(Clone)]
struct EpochEnds {
    patience: Option<MetricEarlyStoppingStrategy>,
    epochs: usize,
    ended: crossbeam_channel::Sender<(usize, f64)>,
}

impl EarlyStoppingStrategy for EpochEnds {
    fn should_stop(&mut self, epoch: usize, store: &EventStoreClient) -> bool {
        let stop = self
            .patience
            .as_mut()
            .is_some_and(|p| p.should_stop(epoch, store));
        if !stop && epoch < self.epochs {
            let loss = store
                .find_metric("Loss", epoch, Aggregate::Mean, &Split::Train)
                .unwrap_or(f64::NAN);
            // The reporting thread outlives the training; a send cannot fail before it ends.
            let _ = self.ended.send((epoch, loss));
        }
        stop
    }
}

/// [`learner_fit`] over a task's batches, which must come from a Burn `DataLoader` (the
/// Learner iterates loaders): burn-train's validation split is the training batches, so the
/// task's validation batches stay unseen until the trial is scored.
pub fn learner_fit_batches<M, B>(
    model: M,
    train: &dyn Batches<B>,
    epochs: usize,
    args: &LearnerTrainerArgs,
    reporter: &mut TrialReporter<'_>,
) -> Result<LearnerFitted<M>, EstimError>
where
    M: LearnerModel + TrainStep<Input = B> + InferenceStep<Input = B> + Send,
    <M as TrainStep>::Output: Adaptor<LossInput>,
    <M as InferenceStep>::Output: Adaptor<LossInput>,
{
    let Some(loader) = train.data_loader() else {
        return Err(EstimError::InvalidArgs {
            component: "LearnerTrainer".into(),
            reason: "burn-train's Learner reads batches from a Burn DataLoader: build the \
                     task's TaskData from `DataLoaderBuilder::build(..)` loaders, not vectors"
                .into(),
        });
    };
    learner_fit(model, loader.clone(), loader, epochs, args, reporter)
}

/// The cosine schedule over `steps`, or the constant rate.
fn schedule(args: &LearnerTrainerArgs, steps: usize) -> Result<ModuleLrScheduler, EstimError> {
    match args.schedule {
        LearnerSchedule::Constant => Ok(args.lr.into()),
        LearnerSchedule::Cosine => {
            CosineAnnealingLrSchedulerConfig::new(args.lr, steps.saturating_sub(1).max(1))
                .with_min_lr(args.lr_min)
                .init()
                .map_err(|reason| EstimError::InvalidArgs {
                    component: "LearnerTrainer".into(),
                    reason: format!(
                        "cosine schedule (`lr` = {}, `lr_min` = {}): {reason}",
                        args.lr, args.lr_min
                    ),
                })
        }
    }
}

/// `records`, or a fresh temporary directory (and whether it is temporary).
fn records_dir(records: Option<&Path>) -> (PathBuf, bool) {
    static TRAININGS: AtomicUsize = AtomicUsize::new(0);
    match records {
        Some(dir) => (dir.to_path_buf(), false),
        None => {
            let n = TRAININGS.fetch_add(1, Ordering::Relaxed);
            let name = format!("modnas-learner-{}-{n}", std::process::id());
            (std::env::temp_dir().join(name), true)
        }
    }
}

/// The mean training loss of the last epoch and the number of epochs, from the Learner's
/// records (NaN and 0 if it kept none).
fn last_train_loss(dir: &Path) -> (f64, usize) {
    let Ok(summary) = LearnerSummary::new(dir, &["Loss"]) else {
        return (f64::NAN, 0);
    };
    let loss = summary.metrics.train.iter().find(|m| m.name == "Loss");
    loss.map_or((f64::NAN, 0), |m| {
        let last = m.entries.last().map_or(f64::NAN, |e| e.value);
        (last, m.entries.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_by_name() {
        let bad = |edit: fn(&mut LearnerTrainerArgs)| {
            let mut args = LearnerTrainerArgs::default();
            edit(&mut args);
            args.check("LearnerTrainer").unwrap_err().to_string()
        };
        assert!(bad(|a| a.lr_min = 0.5).contains("`lr_min` = 0.5"));
        assert!(bad(|a| a.patience = Some(0)).contains("`patience` = 0"));
        assert!(bad(|a| a.lr = -1.0).contains("`lr` = -1"));
        assert!(LearnerTrainerArgs::default().check("X").is_ok());
    }

    #[test]
    fn the_schedule_is_constant_or_cosine_over_every_step() {
        let mut args = LearnerTrainerArgs {
            lr: 0.1,
            lr_min: 0.01,
            ..LearnerTrainerArgs::default()
        };
        let mut constant = schedule(&args, 5).unwrap();
        let rates: Vec<f64> = (0..3).map(|_| constant.step().base()).collect();
        assert_eq!(rates, [0.1, 0.1, 0.1]);
        args.schedule = LearnerSchedule::Cosine;
        let mut cosine = schedule(&args, 5).unwrap();
        let rates: Vec<f64> = (0..5).map(|_| cosine.step().base()).collect();
        assert!((rates[0] - 0.1).abs() < 1e-12 && (rates[4] - 0.01).abs() < 1e-12);
        assert!(rates.windows(2).all(|w| w[1] < w[0]), "{rates:?}");
    }
}
