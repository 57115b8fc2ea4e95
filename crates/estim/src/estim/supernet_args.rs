//! The arguments of [`SuperNetEstim`](super::SuperNetEstim) (and of the one-shot estimators'
//! supernet training), with the DARTS defaults.

use super::Mode;
use crate::schedule::LrSchedule;
use crate::EstimError;
use serde::Deserialize;

/// Arguments of [`SuperNetEstim`](super::SuperNetEstim), with the DARTS defaults.
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperNetArgs {
    /// Search epochs.
    #[config(default = 50)]
    pub epochs: usize,
    /// Batch size of both the weight and the architecture steps.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Share of the training images used for weights in bi-level search (the rest fits α).
    #[config(default = 0.5)]
    pub train_portion: f64,
    /// Initial weight learning rate (SGD, cosine annealed).
    #[config(default = 0.025)]
    pub lr: f64,
    /// Final weight learning rate.
    #[config(default = 0.001)]
    pub lr_min: f64,
    /// SGD momentum.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// Weight decay.
    #[config(default = 3e-4)]
    pub weight_decay: f64,
    /// Global gradient-norm clipping of the weights; 0 disables.
    #[config(default = 5.0)]
    pub grad_clip: f64,
    /// Weight of the expected cost Σ softmax(α)·c in the architecture loss (ProxylessNAS's
    /// latency loss); 0 disables.
    #[serde(default)]
    pub cost_weight: f64,
    /// A latency table (`modnas latency-lut`) that prices the candidates in milliseconds;
    /// without it, the cost is MACs in millions.
    #[serde(default)]
    pub cost_table: Option<std::path::PathBuf>,
    /// A wall-time budget: no epoch starts once this many seconds have passed since the run
    /// (or its resumption) started. The schedules still span `epochs`. Default: none.
    #[serde(default)]
    pub max_seconds: Option<f64>,
    /// The metric each epoch's trial is ranked by in reports; a `[task]`'s `evaluate` must
    /// give it.
    #[config(default = "acc".into())]
    pub objective: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Mode,
    /// What trains the weights: `"estimator"` (default: SGD with `lr`, `lr_min`, `momentum`
    /// and `weight_decay` above, as DARTS does) or `"trainer"` (the `[trainer]`'s optimizer
    /// and learning-rate schedule, `TrialTrainer::weight_training`; those four keys are then
    /// refused).
    #[serde(default)]
    pub weights: WeightSource,
}

/// What trains a supernet's weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WeightSource {
    /// The estimator's SGD and cosine schedule.
    #[default]
    Estimator,
    /// The trainer's optimizer and schedule.
    Trainer,
}

impl SuperNetArgs {
    /// Checks the arguments; the error names the offending keys.
    pub fn check(&self) -> Result<(), EstimError> {
        let args = self;
        let bad = |reason: String| EstimError::InvalidArgs {
            component: "SuperNetEstim".into(),
            reason,
        };
        if !(args.cost_weight.is_finite() && args.cost_weight >= 0.0) {
            return Err(bad(format!(
                "`cost_weight` = {} must be a finite number, 0 or more",
                args.cost_weight
            )));
        }
        if args.max_seconds.is_some_and(|t| t.is_nan() || t <= 0.0) {
            return Err(EstimError::InvalidArgs {
                component: "SuperNetEstim".into(),
                reason: "`max_seconds` must be positive".into(),
            });
        }
        if args.epochs == 0 || args.batch_size == 0 {
            return Err(bad(format!(
                "`epochs` = {} and `batch_size` = {} must be at least 1",
                args.epochs, args.batch_size
            )));
        }
        if !(args.train_portion > 0.0 && args.train_portion < 1.0) {
            return Err(bad(format!(
                "`train_portion` = {} must lie strictly between 0 and 1",
                args.train_portion
            )));
        }
        if !(args.lr > 0.0 && args.lr_min >= 0.0 && args.lr_min <= args.lr) {
            return Err(bad(format!(
                "`lr` = {} must be positive and `lr_min` = {} in [0, lr]",
                args.lr, args.lr_min
            )));
        }
        if !(0.0..1.0).contains(&args.momentum) || args.weight_decay < 0.0 || args.grad_clip < 0.0 {
            return Err(bad(format!(
                "`momentum` = {} must lie in [0, 1); `weight_decay` = {} and `grad_clip` = {} must be non-negative",
                args.momentum, args.weight_decay, args.grad_clip
            )));
        }
        let rates = (args.lr, args.lr_min);
        // Burn's cosine schedule has checks of its own (`lr` at most 1).
        LrSchedule::cosine("SuperNetEstim", rates, 2, 0)?;
        if args.weights == WeightSource::Trainer {
            let d = default_args();
            let set: Vec<&str> = [
                ("lr", args.lr != d.lr),
                ("lr_min", args.lr_min != d.lr_min),
                ("momentum", args.momentum != d.momentum),
                ("weight_decay", args.weight_decay != d.weight_decay),
            ]
            .into_iter()
            .filter_map(|(key, set)| set.then_some(key))
            .collect();
            if !set.is_empty() {
                return Err(bad(format!(
                    "[{}] do not apply with `weights` = \"trainer\": the `[trainer]`'s optimizer and schedule train the weights; set them in `trainer.args`",
                    set.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// For a registered task: refuses the arguments of the image path's data and weight
    /// optimizer (the task's own batches and optimizer replace them) when they differ from
    /// their defaults, naming them.
    pub fn refuse_image_args(&self) -> Result<(), EstimError> {
        let d = default_args();
        let set: Vec<&str> = [
            ("batch_size", self.batch_size != d.batch_size),
            ("train_portion", self.train_portion != d.train_portion),
            ("lr", self.lr != d.lr),
            ("lr_min", self.lr_min != d.lr_min),
            ("momentum", self.momentum != d.momentum),
            ("cost_weight", self.cost_weight != d.cost_weight),
            ("cost_table", self.cost_table.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if set.is_empty() {
            return Ok(());
        }
        Err(EstimError::InvalidArgs {
            component: "SuperNetEstim".into(),
            reason: format!(
                "[{}] do not apply to a `[task]`: its own batches feed the weight and α steps and its `Task::optimizer` trains the weights; set them in the task",
                set.join(", ")
            ),
        })
    }
}

/// The arguments with every default.
fn default_args() -> SuperNetArgs {
    SuperNetArgs::new()
}
