//! [`supernet_with`]: weight-sharing search over a user's own model, batches and loss. The
//! model is any Burn module whose slots hold mixed operators (`construct` with
//! `CandidateSets::mixed`); the batches are any type, read from a Burn `DataLoader` or a
//! vector ([`Batches`]); the loss is the user's ([`BatchLoss`]). Each epoch runs, per
//! training batch, an α step on a validation batch (bi-level optimizers) and a weight step,
//! with the registered gradient optimizer, the user's weight optimizer and learning-rate
//! schedule; then the user's `evaluate` scores the supernet and the exported architecture is
//! recorded as a trial, with α as an [`AlphaSnapshot`].
//!
//! The config-driven [`SuperNetEstim`](super::SuperNetEstim) runs the same
//! [`weight_step`]/[`arch_step`] on image batches; this loop serves regression, sequence and
//! multi-input models, whose batches the image path cannot carry.

use super::batch_loss::BatchLoss;
use super::checkpoint;
use super::supernet_step::{arch_step, snapshot, weight_step, StepParts};
use super::{SearchOutcome, StopReason, Trial, TrialObserver};
use crate::epoch_loss::EpochLoss;
use crate::EstimError;
use burn::data::dataloader::DataLoader;
use burn::lr_scheduler::LrScheduler;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use modnas_construct::{export_arch, MixedHandle};
use modnas_core::MetricMap;
use modnas_optim::GradientOptim;
use modnas_param_space::TensorParam;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use std::time::Instant;

/// Where the batches of each epoch come from: a Burn `DataLoader` (reshuffled each epoch
/// when built with `shuffle`, streamed by its workers) or a vector of batches.
pub trait Batches<B> {
    /// The batches of one epoch, in order; a batch the source cannot read is an error.
    fn epoch(&self) -> Box<dyn Iterator<Item = Result<B, EstimError>> + '_>;

    /// The Burn `DataLoader` behind the batches, if they come from one (burn-train's
    /// `Learner` reads loaders: [`learner_fit_batches`](crate::learner_fit_batches)).
    fn data_loader(&self) -> Option<Arc<dyn DataLoader<B>>> {
        None
    }
}

impl<B: 'static> Batches<B> for Arc<dyn DataLoader<B>> {
    fn epoch(&self) -> Box<dyn Iterator<Item = Result<B, EstimError>> + '_> {
        Box::new(self.iter().map(|batch| {
            batch.map_err(|e| EstimError::BadData {
                path: "the data loader".into(),
                reason: e.to_string(),
            })
        }))
    }

    fn data_loader(&self) -> Option<Arc<dyn DataLoader<B>>> {
        Some(self.clone())
    }
}

impl<B: Clone> Batches<B> for Vec<B> {
    fn epoch(&self) -> Box<dyn Iterator<Item = Result<B, EstimError>> + '_> {
        Box::new(self.iter().cloned().map(Ok))
    }
}

/// The settings of a [`supernet_with`] run.
#[derive(Clone, Debug, PartialEq)]
pub struct SuperNetLoopArgs {
    /// Epochs over the training batches.
    pub epochs: usize,
    /// Stop after the epoch that passes this many seconds.
    pub max_seconds: Option<f64>,
    /// Global gradient-norm clipping of the weights (0: none).
    pub grad_clip: f64,
    /// The weight decay the second-order DARTS step assumes of the weight optimizer.
    pub weight_decay: f64,
    /// The metric of `evaluate` recorded as the trials' objective.
    pub objective: String,
    /// Seed of path sampling and of every step's randomness.
    pub seed: u64,
    /// A run directory: the loop checkpoints the supernet there after every epoch (weights,
    /// the weight optimizer's state, α and Adam's state on α), and starts from its newest
    /// checkpoint when one is there. `None`: no checkpoints.
    pub checkpoint: Option<std::path::PathBuf>,
    /// Epochs the run's journal already holds (a resumed run): they are not recorded again
    /// when they run again after the checkpoint.
    pub recorded: usize,
}

/// What the loop trains: the supernet's α, mixed operators, data and loss.
pub struct SuperNetParts<'a, M, B> {
    /// The architecture parameters, named (`ParamSpace::tensor_params`).
    pub alphas: &'a [(String, TensorParam)],
    /// The mixed operators of the supernet (`Constructed::mixed`).
    pub handles: &'a [MixedHandle],
    /// The batches of the weight steps.
    pub train: &'a dyn Batches<B>,
    /// The batches of the α steps in bi-level search (cycled when shorter than `train`).
    pub valid: &'a dyn Batches<B>,
    /// The loss both steps minimise.
    pub loss: &'a dyn BatchLoss<M, B>,
}

/// The optimizers of the loop: α's gradient optimizer, the weights' optimizer and its
/// learning-rate schedule (stepped once per weight step).
pub struct SuperNetOptims<'a> {
    /// The registered gradient optimizer (DARTS, GDAS, SNAS, ProxylessNAS, DrNAS …).
    pub arch: &'a mut dyn GradientOptim,
    /// Burn's optimizer of the weights (never given α).
    pub weights: &'a mut ModuleOptimizer,
    /// Burn's learning-rate schedule of the weight optimizer.
    pub schedule: &'a mut dyn LrScheduler,
}

/// Trains the supernet `model` for `args.epochs` and returns it with the outcome; every epoch
/// is a trial (the exported architecture, `evaluate`'s metrics and `train_loss`) handed to
/// `observer` with its α snapshot. The outcome's best trial is the last epoch's: the
/// architecture the search derives. `evaluate` receives the inference copy of the supernet
/// (`Module::valid`). A training loss that is not finite stops the run with an error naming
/// the epoch; the epochs before it are already recorded.
pub fn supernet_with<M: Module, B: Clone>(
    mut model: M,
    parts: SuperNetParts<'_, M, B>,
    optims: SuperNetOptims<'_>,
    args: &SuperNetLoopArgs,
    observer: &mut dyn TrialObserver,
    mut evaluate: impl FnMut(&M) -> Result<MetricMap, EstimError>,
) -> Result<(M, SearchOutcome), EstimError> {
    if parts.alphas.is_empty() {
        return Err(invalid(
            "the model has no α: construct it with `CandidateSets::mixed` (e.g. DARTSMixedOp)",
        ));
    }
    let alphas: Vec<TensorParam> = parts.alphas.iter().map(|(_, t)| t.clone()).collect();
    let SuperNetOptims {
        arch: optim,
        weights,
        schedule,
    } = optims;
    // The training batches of an epoch, counted in one pass when first needed (a default α
    // rate is fitted to the run's steps; a resumed schedule is stepped past the done ones).
    let mut counted = None;
    let mut batches = || *counted.get_or_insert_with(|| parts.train.epoch().count());
    if optim.arch_adam().has_default_lr() {
        let batches = batches();
        if let Some(lr) = optim.arch_adam().fit_default_lr(args.epochs * batches) {
            tracing::info!(
                lr,
                steps = args.epochs * batches,
                "α learning rate fitted to the run's length (no `lr` given)"
            );
        }
    }
    let optims = (&mut *optim, &mut *weights, &mut *schedule);
    let start = resume(&mut model, optims, &alphas, &mut batches, args)?;
    let started = Instant::now();
    let (mut stop, mut last) = (StopReason::Done, None);
    let mut done = start;
    for epoch in start..args.epochs {
        if args
            .max_seconds
            .is_some_and(|l| epoch > 0 && started.elapsed().as_secs_f64() >= l)
        {
            tracing::info!(epoch, "supernet search stops: time budget spent");
            stop = StopReason::TimeBudget;
            break;
        }
        let t0 = Instant::now();
        let epoch_run = Epoch {
            epoch,
            args,
            alphas: &alphas,
            parts: &parts,
        };
        let (m, train_loss) = epoch_run.train(model, &mut *optim, &mut *weights, &mut *schedule)?;
        model = m;
        if !train_loss.is_finite() {
            return Err(EstimError::TrialFailed(format!(
                "supernet epoch {epoch}: the training loss is {train_loss}"
            )));
        }
        let mut metrics = evaluate(&model.valid())?;
        if !metrics.contains_key(&args.objective) {
            return Err(EstimError::MissingObjective {
                objective: args.objective.clone(),
                available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        metrics.insert("train_loss".into(), train_loss);
        let trial = Trial {
            index: epoch,
            arch: export_arch(&model, parts.handles),
            metrics,
            seconds: t0.elapsed().as_secs_f64(),
            epochs: Some(1),
            ..Trial::default()
        };
        tracing::info!(epoch, metrics = ?trial.metrics, arch = %trial.arch.summary(), "supernet epoch");
        // An epoch the journal already holds (it ran after the last checkpoint) is
        // recomputed, not recorded again.
        if epoch >= args.recorded {
            observer.on_trial(&trial)?;
            observer.on_alphas(&snapshot(epoch, parts.alphas, parts.handles))?;
        }
        // After the journal, so a checkpoint never runs ahead of the recorded epochs.
        if let Some(dir) = &args.checkpoint {
            let state = checkpoint::Snapshot {
                model: &model,
                weights: &*weights,
                alphas: &alphas,
                adam: Some(optim.arch_adam()),
            };
            checkpoint::save(dir, epoch + 1, &state)?;
            checkpoint::announce(&*observer, epoch + 1, dir)?;
        }
        last = Some(trial);
        done += 1;
    }
    let outcome = SearchOutcome {
        best: last,
        trials: done,
        failed: 0,
        repeats: 0,
        stop,
    };
    Ok((model, outcome))
}

/// The epoch to start at: 0, or the epochs of the newest checkpoint in `args.checkpoint`,
/// loaded into the model, the optimizers and α, with the learning-rate schedule stepped past
/// them. A resumed run trains the remaining epochs as the uninterrupted run would when its
/// batches come in a fixed order (a vector, an unshuffled loader); a shuffled `DataLoader`
/// shuffles the remaining epochs anew.
fn resume<'o, M: Module>(
    model: &mut M,
    (optim, weights, schedule): (
        &mut (dyn GradientOptim + 'o),
        &mut ModuleOptimizer,
        &mut (dyn LrScheduler + 'o),
    ),
    alphas: &[TensorParam],
    batches: &mut dyn FnMut() -> usize,
    args: &SuperNetLoopArgs,
) -> Result<usize, EstimError> {
    let Some((dir, done)) = args.checkpoint.as_deref().and_then(checkpoint::find) else {
        return Ok(0);
    };
    if done > args.recorded || done > args.epochs {
        return Err(checkpoint::damaged(
            &dir,
            format!(
                "{done} epochs done, but the journal holds {} of {} epochs",
                args.recorded, args.epochs
            ),
        ));
    }
    checkpoint::restore(&dir, model, weights, alphas, Some(optim.arch_adam()))?;
    for _ in 0..done * batches() {
        schedule.step();
    }
    tracing::info!(epochs_done = done, checkpoint = %dir.display(), "resuming the supernet");
    Ok(done)
}

/// One epoch of [`supernet_with`].
struct Epoch<'a, 'p, M, B> {
    epoch: usize,
    args: &'a SuperNetLoopArgs,
    alphas: &'a [TensorParam],
    parts: &'a SuperNetParts<'p, M, B>,
}

impl<M: Module, B: Clone> Epoch<'_, '_, M, B> {
    /// Per training batch, an α step (bi-level) and a weight step; returns the model and the
    /// mean training loss.
    fn train(
        &self,
        mut model: M,
        optim: &mut dyn GradientOptim,
        weights: &mut ModuleOptimizer,
        schedule: &mut dyn LrScheduler,
    ) -> Result<(M, f64), EstimError> {
        let (epoch, epochs) = (self.epoch, self.args.epochs);
        // Every epoch draws from its own seed, as in `SuperNetEstim`.
        let epoch_seed = self.args.seed.wrapping_add(1 + epoch as u64);
        if let Some(device) = model.devices().first() {
            device.seed(epoch_seed);
        }
        let mut rng = StdRng::seed_from_u64(epoch_seed);
        if let Some(tau) = optim.temperature(epoch, epochs) {
            self.parts
                .handles
                .iter()
                .for_each(|h| h.set_temperature(tau));
        }
        let one_level = optim.one_level();
        let mut valid = self.parts.valid.epoch();
        let mut epoch_loss = EpochLoss::default();
        for train in self.parts.train.epoch() {
            let train = train?;
            let lr = schedule.step();
            let mut parts = StepParts {
                alphas: self.alphas,
                handles: self.parts.handles,
                loss: self.parts.loss,
                weights: &mut *weights,
                grad_clip: self.args.grad_clip,
                rng: &mut rng,
                cost: None,
            };
            if !one_level {
                let v = match valid.next() {
                    Some(v) => v?,
                    None => {
                        valid = self.parts.valid.epoch();
                        valid.next().ok_or_else(|| {
                            invalid("bi-level search needs validation batches; `valid` gave none")
                        })??
                    }
                };
                let decay = self.args.weight_decay;
                model = arch_step(model, train.clone(), v, lr, decay, &mut parts, &mut *optim)?;
            }
            let level = one_level.then_some(&mut *optim as &mut dyn GradientOptim);
            let (m, loss) = weight_step(model, &train, lr, &mut parts, level)?;
            model = m;
            epoch_loss.add(loss);
        }
        let Some(train_loss) = epoch_loss.mean() else {
            return Err(invalid(format!("epoch {epoch}: `train` gave no batches")));
        };
        crate::progress::epoch_done(epoch, epochs, train_loss);
        Ok((model, train_loss))
    }
}

fn invalid(reason: impl Into<String>) -> EstimError {
    EstimError::InvalidArgs {
        component: "supernet search".into(),
        reason: reason.into(),
    }
}
