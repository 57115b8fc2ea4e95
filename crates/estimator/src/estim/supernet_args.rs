//! The arguments of [`SuperNetEstim`](super::SuperNetEstim) (and of the one-shot estimators'
//! supernet training), with the DARTS defaults.

use crate::schedule::LrSchedule;
use crate::EstimError;
use serde::Deserialize;

/// Arguments of [`SuperNetEstim`], with the DARTS defaults.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperNetArgs {
    /// Search epochs. Default 50.
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    /// Batch size of both the weight and the architecture steps. Default 64.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Share of the training images used for weights in bi-level search (the rest fits α).
    /// Default 0.5.
    #[serde(default = "half")]
    pub train_portion: f64,
    /// Initial weight learning rate (SGD, cosine annealed). Default 0.025.
    #[serde(default = "default_lr")]
    pub lr: f64,
    /// Final weight learning rate. Default 0.001.
    #[serde(default = "default_lr_min")]
    pub lr_min: f64,
    /// SGD momentum. Default 0.9.
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    /// Weight decay. Default 3e-4.
    #[serde(default = "default_wd")]
    pub weight_decay: f64,
    /// Global gradient-norm clipping of the weights; 0 disables. Default 5.
    #[serde(default = "default_clip")]
    pub grad_clip: f64,
    /// Weight of the expected cost Σ softmax(α)·c in the architecture loss (ProxylessNAS's
    /// latency loss); 0 disables. Default 0.
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
}

fn default_epochs() -> usize {
    50
}
fn default_batch() -> usize {
    64
}
fn half() -> f64 {
    0.5
}
fn default_lr() -> f64 {
    0.025
}
fn default_lr_min() -> f64 {
    0.001
}
fn default_momentum() -> f64 {
    0.9
}
fn default_wd() -> f64 {
    3e-4
}
fn default_clip() -> f64 {
    5.0
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
        Ok(())
    }
}
