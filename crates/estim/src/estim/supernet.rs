//! `SuperNetEstim`: trains a weight-sharing supernet (mixed operators in every slot) and
//! optimises its architecture parameters α with a gradient optimizer (paper §2.2,
//! Appendix C.2 Algorithm 6). Bi-level search alternates an α step on a validation batch and
//! a weight step on a training batch; one-level search updates both from the training batch.
//! After each epoch the exported architecture and the supernet's validation accuracy are
//! recorded as a trial, and α as an [`AlphaSnapshot`](super::AlphaSnapshot).

use super::batch_loss::TrainerLoss;
use super::checkpoint::{self, Snapshot};
use super::expected_cost::ExpectedCost;
use super::supernet_step::{arch_step, batches, snapshot, weight_step, StepParts};
use super::{Estim, SearchContext, SearchOutcome, StopReason, Trial};
use crate::data::ImageDataset;
use crate::schedule::LrSchedule;
use crate::{
    register_estim, EstimError, SuperNetLoopArgs, TaskContext, TrialTrainer, WeightOptimKind,
};
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor};
use modnas_construct::{export_arch, probe_slots, MixedHandle, NetBox};
use modnas_metrics::LatencyTable;
use modnas_optim::{ArchAdam, GradientOptim};
use modnas_param_space::{ArchDesc, TensorParam};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::borrow::Cow;
use std::path::Path;
use std::time::Instant;

pub use super::supernet_args::{SuperNetArgs, WeightSource};

/// The supernet estimator.
pub struct SuperNetEstim {
    args: SuperNetArgs,
}

impl SuperNetEstim {
    /// An estimator with `args`, checked.
    pub fn new(args: SuperNetArgs) -> Result<Self, EstimError> {
        args.check()?;
        Ok(Self { args })
    }

    /// The arguments.
    pub fn args(&self) -> &SuperNetArgs {
        &self.args
    }

    /// SGD with the estimator's momentum and weight decay.
    pub fn weight_optimizer(&self) -> ModuleOptimizer {
        WeightOptimKind::Sgd.build(self.args.momentum, self.args.weight_decay as f32)
    }

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
        let mut derived = Ok(());
        let probes = probe_slots(|| {
            derived = model.try_cost(&[1, ch, h, w]).map(drop);
        });
        derived?;
        let device = device.clone().inner();
        let table = table.as_ref().map(|(t, p)| (t, *p));
        ExpectedCost::new(&probes, handles, table, &device, self.args.cost_weight).map(Some)
    }

    /// The batches of the weight steps and, in bi-level search, of the α steps: the training
    /// split divided by `train_portion`.
    fn step_data<'d>(
        &self,
        train: &'d ImageDataset,
        one_level: bool,
        seed: u64,
    ) -> Result<(Cow<'d, ImageDataset>, Option<ImageDataset>), EstimError> {
        let too_few = || {
            invalid(format!(
                "{} training images are too few to split by `train_portion` = {}",
                train.len(),
                self.args.train_portion
            ))
        };
        if one_level {
            return match train.is_empty() {
                true => Err(too_few()),
                false => Ok((Cow::Borrowed(train), None)),
            };
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let split = train.split(1.0 - self.args.train_portion, &mut rng);
        if split.train.is_empty() || split.valid.is_empty() {
            return Err(too_few());
        }
        Ok((Cow::Owned(split.train), Some(split.valid)))
    }

    /// Where the loop starts: epoch 0 with `model` and a fresh weight optimizer, or, when
    /// resuming, the newest checkpoint. Epochs in the journal after the checkpoint run again.
    fn resume_point(
        &self,
        (run_dir, replay): (Option<&std::path::Path>, &[Trial]),
        (mut model, mut weights): (NetBox, ModuleOptimizer),
        alphas: &[TensorParam],
        adam: &mut ArchAdam,
    ) -> Result<(NetBox, ModuleOptimizer, usize), EstimError> {
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

fn invalid(reason: impl Into<String>) -> EstimError {
    EstimError::InvalidArgs {
        component: "SuperNetEstim".into(),
        reason: reason.into(),
    }
}

/// What every epoch of a supernet search uses.
struct Epochs<'a> {
    args: &'a SuperNetArgs,
    alphas: &'a [TensorParam],
    handles: &'a [MixedHandle],
    trainer: &'a dyn TrialTrainer,
    cost: Option<&'a ExpectedCost>,
    w_data: &'a ImageDataset,
    a_data: Option<&'a ImageDataset>,
    device: &'a Device,
    seed: u64,
}

impl Epochs<'_> {
    /// Trains `model` for `epoch`: per training batch, an α step (bi-level) and a weight step.
    /// Returns the model and the mean training loss.
    fn train(
        &self,
        epoch: usize,
        mut model: NetBox,
        weights: &mut ModuleOptimizer,
        schedule: &mut LrSchedule,
        optim: &mut dyn GradientOptim,
    ) -> Result<(NetBox, f64), EstimError> {
        let (epochs, batch) = (self.args.epochs, self.args.batch_size);
        // Every epoch draws from its own seeds, so a run resumed at an epoch boundary
        // repeats exactly what the uninterrupted run did.
        let epoch_seed = self.seed.wrapping_add(1 + epoch as u64);
        self.device.seed(epoch_seed);
        let mut rng = StdRng::seed_from_u64(epoch_seed);
        model.set_progress(epoch as f64 / epochs as f64);
        if let Some(tau) = optim.temperature(epoch, epochs) {
            self.handles.iter().for_each(|h| h.set_temperature(tau));
        }
        let w_batches = batches(self.w_data, batch, &mut rng);
        let a_batches = self.a_data.map(|d| batches(d, batch, &mut rng));
        let per_epoch = w_batches.len();
        let one_level = optim.one_level();
        let mut loss_sum: Option<Tensor<1>> = None;
        let batch_loss = TrainerLoss(self.trainer);
        for (i, wb) in w_batches.iter().enumerate() {
            let lr = schedule.next_lr();
            let train = self.w_data.batch(wb, self.device);
            let mut parts = StepParts {
                alphas: self.alphas,
                handles: self.handles,
                loss: &batch_loss,
                weights: &mut *weights,
                grad_clip: self.args.grad_clip,
                rng: &mut rng,
                cost: self.cost,
            };
            if let (Some(ab), Some(ad)) = (&a_batches, self.a_data) {
                let valid = ad.batch(&ab[i % ab.len()], self.device);
                let decay = self.args.weight_decay;
                let train = train.clone();
                model = arch_step(model, train, valid, lr, decay, &mut parts, &mut *optim)?;
            }
            let level = one_level.then_some(&mut *optim as &mut dyn GradientOptim);
            let (m, loss) = weight_step(model, &train, lr, &mut parts, level)?;
            model = m;
            loss_sum = Some(loss_sum.map_or(loss.clone(), |s| s + loss));
            crate::progress::batch_done(epoch, epochs, i, per_epoch);
        }
        let train_loss = loss_sum.map_or(f64::NAN, |s| s.into_scalar::<f64>() / per_epoch as f64);
        crate::progress::epoch_done(epoch, epochs, train_loss);
        Ok((model, train_loss))
    }

    /// The trial of `epoch`: the exported architecture with the supernet's validation metrics
    /// (the trainer's).
    fn trial(
        &self,
        epoch: usize,
        model: &NetBox,
        valid: &ImageDataset,
        train_loss: f64,
        seconds: f64,
    ) -> Result<Trial, EstimError> {
        let evaluated = self.trainer.evaluate(model, valid, self.device)?;
        let shape = valid.shape;
        let mut metrics =
            super::estim::with_network_metrics(model, evaluated, Some(train_loss), &[], shape)?;
        if let Some(cost) = self.cost {
            metrics.insert("expected_cost".into(), cost.current());
        }
        let trial = Trial {
            index: epoch,
            arch: export_arch(model, self.handles),
            metrics,
            seconds,
            epochs: Some(1),
            ..Trial::default()
        };
        tracing::info!(epoch, metrics = ?trial.metrics, arch = %trial.arch.summary(), "supernet epoch");
        Ok(trial)
    }
}

impl Estim for SuperNetEstim {
    /// The task's model as a supernet, α stepped by the gradient optimizer on the task's
    /// validation batches (bi-level) and the weights by the task's own optimizer on its
    /// training batches, for `epochs`. The arguments of the image path's data and weight
    /// optimizer do not apply and are refused when set.
    fn check_task(&self) -> Result<(), EstimError> {
        self.args.refuse_image_args()
    }

    fn resumable(&self) -> bool {
        true
    }
}

impl crate::SupernetEstim for SuperNetEstim {
    fn run_task(
        &mut self,
        ctx: &mut TaskContext<'_, dyn GradientOptim>,
    ) -> Result<SearchOutcome, EstimError> {
        self.args.refuse_image_args()?;
        let optim = &mut *ctx.optim;
        let args = SuperNetLoopArgs {
            epochs: self.args.epochs,
            max_seconds: self.args.max_seconds,
            grad_clip: self.args.grad_clip,
            weight_decay: self.args.weight_decay,
            objective: ctx.objective.to_string(),
            seed: ctx.seed,
            checkpoint: ctx.run_dir.map(Path::to_path_buf),
            recorded: ctx.replay.len(),
        };
        ctx.task.supernet(ctx.run, optim, &args, ctx.observer)
    }

    fn run(
        &mut self,
        ctx: &mut SearchContext<'_, dyn GradientOptim>,
    ) -> Result<SearchOutcome, EstimError> {
        let optim = &mut *ctx.optim;
        let device: &Device = ctx.device;
        device.seed(ctx.seed);
        let c = (ctx.builder)(&ArchDesc::new())?;
        let handles = c.mixed.clone();
        let named = c.space.tensor_params();
        if named.is_empty() {
            return Err(invalid(
                "the network has no α: set `construct.args.mixed_op` (e.g. DARTSMixedOp)",
            ));
        }
        let alphas: Vec<TensorParam> = named.iter().map(|(_, t)| t.clone()).collect();
        let cost = self.expected_cost(&c.model, &handles, ctx.data.train.shape, device)?;
        let (w_data, a_data) = self.step_data(&ctx.data.train, optim.one_level(), ctx.seed)?;
        let (weights, (lr, lr_min)) = match self.args.weights {
            WeightSource::Estimator => (self.weight_optimizer(), (self.args.lr, self.args.lr_min)),
            WeightSource::Trainer => {
                let t = ctx.trainer.weight_training().ok_or_else(|| {
                    invalid(
                        "`weights` = \"trainer\": the trainer gives no optimizer \
                         (`TrialTrainer::weight_training`); use `weights` = \"estimator\"",
                    )
                })?;
                (t.optimizer, t.lr)
            }
        };
        let (mut model, mut weights, start) = self.resume_point(
            (ctx.run_dir, ctx.replay),
            (c.model, weights),
            &alphas,
            optim.arch_adam(),
        )?;
        let per_epoch = w_data.len().div_ceil(self.args.batch_size);
        let epochs = self.args.epochs;
        let mut schedule = LrSchedule::cosine(
            "SuperNetEstim",
            (lr, lr_min),
            per_epoch * epochs,
            per_epoch * start,
        )?;
        let run = Epochs {
            args: &self.args,
            alphas: &alphas,
            handles: &handles,
            trainer: ctx.trainer,
            cost: cost.as_ref(),
            w_data: &w_data,
            a_data: a_data.as_ref(),
            device,
            seed: ctx.seed,
        };
        let (started, mut last) = (Instant::now(), None);
        let (mut stop, mut epochs_done) = (StopReason::Done, epochs);
        for epoch in start..epochs {
            let limit = self.args.max_seconds;
            if limit.is_some_and(|l| epoch > start && started.elapsed().as_secs_f64() >= l) {
                tracing::info!(epoch, "supernet search stops: time budget spent");
                (stop, epochs_done) = (StopReason::TimeBudget, epoch);
                break;
            }
            let t0 = Instant::now();
            let (m, train_loss) = run.train(epoch, model, &mut weights, &mut schedule, optim)?;
            model = m;
            let seconds = t0.elapsed().as_secs_f64();
            let trial = run.trial(epoch, &model, &ctx.data.valid, train_loss, seconds)?;
            // An epoch the journal already holds (it ran after the last checkpoint) is
            // recomputed, not recorded again.
            if epoch >= ctx.replay.len() {
                ctx.observer.on_trial(&trial)?;
            }
            ctx.observer.on_alphas(&snapshot(epoch, &named, &handles))?;
            if let Some(dir) = ctx.run_dir {
                let adam = Some(&*optim.arch_adam());
                let snapshot = Snapshot {
                    model: &model,
                    weights: &weights,
                    alphas: &alphas,
                    adam,
                };
                checkpoint::save(dir, epoch + 1, &snapshot)?;
                checkpoint::announce(&*ctx.observer, epoch + 1, dir)?;
            }
            last = Some(trial);
        }
        if start == epochs {
            last = ctx.replay.last().cloned();
        }
        Ok(SearchOutcome {
            best: last,
            trials: epochs_done,
            failed: 0,
            repeats: 0,
            stop,
        })
    }
}

register_estim!(
    /// trains a supernet of mixed operators with a gradient optimizer (DARTS and kin), one trial
    /// per epoch
    "SuperNetEstim", |args: SuperNetArgs| {
        Ok(crate::Estimator::Supernet(Box::new(SuperNetEstim::new(args)?)))
    }
);
