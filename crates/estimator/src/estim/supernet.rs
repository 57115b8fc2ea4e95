//! `SuperNetEstim`: trains a weight-sharing supernet (mixed operators in every slot) and
//! optimises its architecture parameters α with a gradient optimizer (paper §2.2,
//! Appendix C.2 Algorithm 6). Bi-level search alternates an α step on a validation batch and
//! a weight step on a training batch; one-level search updates both from the training batch.
//! After each epoch the exported architecture and the supernet's validation accuracy are
//! recorded as a trial, and α as an [`AlphaSnapshot`].

use super::checkpoint::{self, Snapshot};
use super::expected_cost::ExpectedCost;
use super::supernet_problem::SuperNetProblem;
pub use super::supernet_problem::{arch_grads_on, backward_on, Batch};
use super::{AlphaSnapshot, Estim, SearchContext, SearchOutcome, StopReason, Trial};
use crate::data::ImageDataset;
use crate::{parse_args, register_estim, EstimError, ImageClsTrainer, TrainerArgs};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Tensor};
use indexmap::IndexMap;
use modnas_construct::probe_slots;
use modnas_construct::{export_arch, MixedHandle, NetBox};
use modnas_metrics::LatencyTable;
use modnas_optim::{clip_grad_norm, ArchAdam, GradientOptim};
use modnas_param_space::{MetricMap, TensorParam};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Deserialize;
use std::time::Instant;

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

/// The supernet estimator.
pub struct SuperNetEstim {
    args: SuperNetArgs,
}

impl SuperNetEstim {
    /// The expected cost of `model`'s mixed slots, when `cost_weight` asks for one.
    fn expected_cost(
        &self,
        model: &NetBox,
        handles: &[MixedHandle],
        [ch, h, w]: [usize; 3],
        device: &Device,
    ) -> Result<Option<ExpectedCost>, EstimError> {
        if self.args.cost_weight == 0.0 {
            return Ok(None);
        }
        let table = match &self.args.cost_table {
            Some(path) => Some((LatencyTable::load(path)?, path.as_path())),
            None => None,
        };
        let probes = probe_slots(|| {
            model.cost(&[1, ch, h, w]);
        });
        let device = device.clone().inner();
        let table = table.as_ref().map(|(t, p)| (t, *p));
        ExpectedCost::new(&probes, handles, table, &device, self.args.cost_weight).map(Some)
    }

    /// An estimator with `args`, checked.
    pub fn new(args: SuperNetArgs) -> Result<Self, EstimError> {
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
        Ok(Self { args })
    }

    /// The arguments.
    pub fn args(&self) -> &SuperNetArgs {
        &self.args
    }

    /// The cosine-annealed weight learning rate at `step` of `total`.
    pub fn lr_at(&self, step: usize, total: usize) -> f64 {
        let a = &self.args;
        let t = step as f64 / total.saturating_sub(1).max(1) as f64;
        a.lr_min + 0.5 * (a.lr - a.lr_min) * (1.0 + (std::f64::consts::PI * t).cos())
    }

    /// SGD with the estimator's momentum and weight decay.
    pub fn weight_optimizer(&self) -> ModuleOptimizer {
        let decay = (self.args.weight_decay > 0.0)
            .then(|| WeightDecayConfig::new(self.args.weight_decay as f32));
        SgdConfig::new()
            .with_weight_decay(decay)
            .with_momentum(Some(
                MomentumConfig::new()
                    .with_momentum(self.args.momentum)
                    .with_dampening(0.0),
            ))
            .init()
    }
}

/// Everything a supernet training step touches, apart from the model.
pub struct StepParts<'a> {
    /// The architecture parameters.
    pub alphas: &'a [TensorParam],
    /// The mixed operators (paths are resampled before every forward pass).
    pub handles: &'a [MixedHandle],
    /// The loss.
    pub loss_fn: &'a CrossEntropyLoss,
    /// The weight optimizer (never given α).
    pub weights: &'a mut ModuleOptimizer,
    /// Global gradient-norm clipping of the weights (0: none).
    pub grad_clip: f64,
    /// Randomness of path sampling.
    pub rng: &'a mut StdRng,
    /// The expected cost added to the loss (it moves α only).
    pub cost: Option<&'a ExpectedCost>,
}

/// One weight step on `batch`; with `one_level`, the same gradients also step α.
/// Returns the new model and the detached loss.
pub fn weight_step(
    model: NetBox,
    batch: &Batch,
    lr: f64,
    parts: &mut StepParts<'_>,
    one_level: Option<&mut dyn GradientOptim>,
) -> Result<(NetBox, Tensor<1>), EstimError> {
    let b = backward_on(
        &model,
        batch,
        parts.alphas,
        parts.handles,
        (parts.loss_fn, parts.cost),
        parts.rng,
    );
    if let Some(optim) = one_level {
        arch_update(parts.handles, || optim.apply(parts.alphas, b.arch))?;
    }
    let mut grads = b.weights;
    if parts.grad_clip > 0.0 {
        clip_grad_norm(&model, &mut grads, parts.grad_clip);
    }
    Ok((parts.weights.step(lr, model, grads), b.loss))
}

/// Runs an α update, with the binary-gate rescaling around it.
fn arch_update(
    handles: &[MixedHandle],
    update: impl FnOnce() -> Result<(), modnas_optim::OptimError>,
) -> Result<(), EstimError> {
    handles.iter().for_each(MixedHandle::before_update);
    update()?;
    handles.iter().for_each(MixedHandle::rescale_after_update);
    Ok(())
}

/// One bi-level α step with `optim` on the `train`/`valid` batches; the weights are unchanged.
pub fn arch_step(
    model: NetBox,
    train: Batch,
    valid: Batch,
    lr: f64,
    decay: f64,
    parts: &mut StepParts<'_>,
    optim: &mut dyn GradientOptim,
) -> Result<NetBox, EstimError> {
    let mut problem = SuperNetProblem {
        model,
        saved: None,
        alphas: parts.alphas,
        handles: parts.handles,
        train,
        valid,
        loss_fn: parts.loss_fn,
        cost: parts.cost,
        lr,
        decay,
        rng: parts.rng,
    };
    arch_update(parts.handles, || optim.step(&mut problem))?;
    Ok(problem.model)
}

fn snapshot(
    epoch: usize,
    alphas: &[(String, TensorParam)],
    handles: &[MixedHandle],
) -> AlphaSnapshot {
    let params = alphas
        .iter()
        .filter_map(|(name, _)| {
            let h = handles.iter().find(|h| h.param_name() == name)?;
            let w = h.weights();
            let row = h
                .candidates()
                .iter()
                .cloned()
                .zip(w.into_iter().map(f64::from))
                .collect();
            Some((name.clone(), row))
        })
        .collect::<IndexMap<_, _>>();
    AlphaSnapshot { epoch, params }
}

fn batches(data: &ImageDataset, batch: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.shuffle(rng);
    order.chunks(batch).map(<[usize]>::to_vec).collect()
}

impl SuperNetEstim {
    /// Where the loop starts: epoch 0 with `model` and a fresh weight optimizer, or, when
    /// resuming, the newest checkpoint. Epochs in the journal after the checkpoint run again.
    fn resume_point(
        &self,
        (run_dir, replay): (Option<&std::path::Path>, &[Trial]),
        mut model: NetBox,
        alphas: &[TensorParam],
        adam: &mut ArchAdam,
    ) -> Result<(NetBox, ModuleOptimizer, usize), EstimError> {
        let mut weights = self.weight_optimizer();
        // A new run starts in a directory without checkpoints (an overwrite removes them), so
        // a checkpoint means this run is resuming.
        let Some((dir, done)) = run_dir.and_then(checkpoint::find) else {
            return Ok((model, weights, 0));
        };
        if done > replay.len() || done > self.args.epochs {
            return Err(checkpoint::damaged(
                &dir,
                format!(
                    "{done} epochs done, but the journal holds {} of {} epochs",
                    replay.len(),
                    self.args.epochs
                ),
            ));
        }
        tracing::info!(epochs_done = done, checkpoint = %dir.display(), "resuming the supernet");
        checkpoint::restore(&dir, &mut model, &mut weights, alphas, Some(adam))?;
        Ok((model, weights, done))
    }
}

impl Estim for SuperNetEstim {
    fn needs_gradient_optim(&self) -> bool {
        true
    }

    fn resumable(&self) -> bool {
        true
    }

    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let optim = ctx
            .optim
            .as_gradient()
            .ok_or_else(|| EstimError::InvalidArgs {
                component: "SuperNetEstim".into(),
                reason: "needs a gradient optimizer (DARTSOptim, GDASOptim, SNASOptim, \
                     BinaryGateOptim, DirectGradOptim, DrNASOptim); `optim.type` is a discrete one"
                    .into(),
            })?;
        let device: &Device = ctx.device;
        device.seed(ctx.seed);
        let c = (ctx.builder)()?;
        let handles = c.mixed.clone();
        let named = c.space.tensor_params();
        if named.is_empty() {
            return Err(EstimError::InvalidArgs {
                component: "SuperNetEstim".into(),
                reason: "the network has no α: set `construct.args.mixed_op` (e.g. DARTSMixedOp)"
                    .into(),
            });
        }
        let alphas: Vec<TensorParam> = named.iter().map(|(_, t)| t.clone()).collect();
        let cost = self.expected_cost(&c.model, &handles, ctx.data.train.shape, device)?;
        let one_level = optim.one_level();
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let split = ctx
            .data
            .train
            .split(1.0 - self.args.train_portion, &mut rng);
        let (w_data, a_data) = if one_level {
            (&ctx.data.train, None)
        } else {
            (&split.train, Some(&split.valid))
        };
        if w_data.is_empty() || a_data.is_some_and(ImageDataset::is_empty) {
            return Err(EstimError::InvalidArgs {
                component: "SuperNetEstim".into(),
                reason: format!(
                    "{} training images are too few to split by `train_portion` = {}",
                    ctx.data.train.len(),
                    self.args.train_portion
                ),
            });
        }
        let loss_fn = CrossEntropyLossConfig::new().init(device);
        let evaluator = ImageClsTrainer::new(TrainerArgs {
            batch_size: self.args.batch_size,
            ..TrainerArgs::default()
        })?;
        let per_epoch = w_data.len().div_ceil(self.args.batch_size);
        let total = per_epoch * self.args.epochs;
        let (mut model, mut weights, start) = self.resume_point(
            (ctx.run_dir, ctx.replay),
            c.model,
            &alphas,
            optim.arch_adam(),
        )?;
        let mut last = None;
        let started = Instant::now();
        let mut stop = StopReason::Done;
        let mut epochs_done = self.args.epochs;
        for epoch in start..self.args.epochs {
            if self
                .args
                .max_seconds
                .is_some_and(|limit| epoch > start && started.elapsed().as_secs_f64() >= limit)
            {
                tracing::info!(epoch, "supernet search stops: time budget spent");
                (stop, epochs_done) = (StopReason::TimeBudget, epoch);
                break;
            }
            let t0 = Instant::now();
            // Every epoch draws from its own seeds, so a run resumed at an epoch boundary
            // repeats exactly what the uninterrupted run did.
            let epoch_seed = ctx.seed.wrapping_add(1 + epoch as u64);
            device.seed(epoch_seed);
            let mut rng = StdRng::seed_from_u64(epoch_seed);
            model.set_progress(epoch as f64 / self.args.epochs as f64);
            if let Some(tau) = optim.temperature(epoch, self.args.epochs) {
                handles.iter().for_each(|h| h.set_temperature(tau));
            }
            let w_batches = batches(w_data, self.args.batch_size, &mut rng);
            let a_batches = a_data.map(|d| batches(d, self.args.batch_size, &mut rng));
            let mut loss_sum: Option<Tensor<1>> = None;
            for (i, wb) in w_batches.iter().enumerate() {
                let lr = self.lr_at(epoch * per_epoch + i, total);
                let train = w_data.batch(wb, device);
                let mut parts = StepParts {
                    alphas: &alphas,
                    handles: &handles,
                    loss_fn: &loss_fn,
                    weights: &mut weights,
                    grad_clip: self.args.grad_clip,
                    rng: &mut rng,
                    cost: cost.as_ref(),
                };
                if let (Some(ab), Some(ad)) = (&a_batches, a_data) {
                    let valid = ad.batch(&ab[i % ab.len()], device);
                    let decay = self.args.weight_decay;
                    model = arch_step(
                        model,
                        train.clone(),
                        valid,
                        lr,
                        decay,
                        &mut parts,
                        &mut *optim,
                    )?;
                }
                let level = one_level.then_some(&mut *optim as &mut dyn GradientOptim);
                let (m, loss) = weight_step(model, &train, lr, &mut parts, level)?;
                model = m;
                loss_sum = Some(loss_sum.map_or(loss.clone(), |s| s + loss));
                crate::progress::batch_done(epoch, self.args.epochs, i, per_epoch);
            }
            let train_loss =
                loss_sum.map_or(f64::NAN, |s| s.into_scalar::<f64>() / per_epoch as f64);
            crate::progress::epoch_done(epoch, self.args.epochs, train_loss);
            let stats = evaluator.evaluate(&model, &ctx.data.valid, device);
            let mut metrics = MetricMap::new();
            metrics.insert("acc".into(), stats.acc);
            metrics.insert("loss".into(), stats.loss);
            metrics.insert("train_loss".into(), train_loss);
            if let Some(cost) = &cost {
                metrics.insert("expected_cost".into(), cost.current());
            }
            let trial = Trial {
                index: epoch,
                arch: export_arch(&model, &handles),
                metrics,
                seconds: t0.elapsed().as_secs_f64(),
                error: None,
            };
            tracing::info!(epoch, acc = stats.acc, train_loss, arch = %trial.arch.summary(), "supernet epoch");
            // An epoch the journal already holds (it ran after the last checkpoint) is
            // recomputed, not recorded again.
            if epoch >= ctx.replay.len() {
                ctx.observer.on_trial(&trial)?;
            }
            ctx.observer.on_alphas(&snapshot(epoch, &named, &handles))?;
            if let Some(dir) = ctx.run_dir {
                let snapshot = Snapshot {
                    model: &model,
                    weights: &weights,
                    alphas: &alphas,
                    adam: Some(optim.arch_adam()),
                };
                checkpoint::save(dir, epoch + 1, &snapshot)?;
            }
            last = Some(trial);
        }
        if start == self.args.epochs {
            last = ctx.replay.last().cloned();
        }
        Ok(SearchOutcome {
            best: last,
            trials: epochs_done,
            failed: 0,
            stop,
        })
    }
}

fn build(args: &toml::Table) -> Result<Box<dyn Estim>, EstimError> {
    Ok(Box::new(SuperNetEstim::new(parse_args(
        "SuperNetEstim",
        args,
    )?)?))
}
register_estim!("SuperNetEstim", build);
modnas_param_space::describe_component!(
    "estimator",
    "SuperNetEstim",
    "trains a supernet of mixed operators with a gradient optimizer (DARTS and kin), one trial per epoch",
    SuperNetArgs
);
