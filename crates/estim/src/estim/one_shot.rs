//! The shared machinery of one-shot estimators (SPOS, CARS, progressive shrinking): train a
//! supernet of `IndexMixedOp`s or elastic groups on sampled sub-networks, and evaluate a
//! subnet with the inherited weights after batch-norm recalibration. Both go through the
//! context's trainer: its batch loss in training, its metrics in evaluation.

use super::checkpoint::{self, Snapshot};
use super::{SearchContext, SuperNetArgs, SuperNetEstim};
use crate::data::ImageDataset;
use crate::epoch_loss::EpochLoss;
use crate::schedule::LrSchedule;
use crate::{recalibrate_bn, EstimError};
use burn::optim::{GradientsParams, ModuleOptimizer};
use modnas_construct::{
    elastic_handles, map_in_place, ChannelOrder, Constructed, MixedKind, NetBox,
};
use modnas_core::MetricMap;
use modnas_optim::{clip_grad_norm, DiscreteSpace};
use modnas_param_space::ArchDesc;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A weight-sharing supernet of single-path operators and its training state.
pub(crate) struct OneShot {
    net: Constructed<NetBox>,
    space: DiscreteSpace,
    weights: ModuleOptimizer,
    estim: SuperNetEstim,
    seed: u64,
    recal_batches: usize,
    epochs_done: usize,
    per_epoch: usize,
    total_epochs: usize,
    /// The weight learning rate, positioned at the next batch.
    schedule: LrSchedule,
}

impl OneShot {
    /// Builds the supernet from the context (`construct.args.mixed_op = "IndexMixedOp"`).
    pub fn new(
        ctx: &SearchContext<'_>,
        component: &str,
        train: SuperNetArgs,
        total_epochs: usize,
        recal_batches: usize,
    ) -> Result<Self, EstimError> {
        ctx.device.seed(ctx.seed);
        let net = (ctx.builder)(&ArchDesc::new())?;
        let elastic = !elastic_handles(&net.model).is_empty();
        let single_path = !net.mixed.is_empty() || elastic;
        if !single_path || net.mixed.iter().any(|h| h.kind() != MixedKind::Index) {
            return Err(EstimError::InvalidArgs {
                component: component.into(),
                reason: "needs a supernet of single-path operators (set \
                         `construct.args.mixed_op = \"IndexMixedOp\"`) or of elastic groups"
                    .into(),
            });
        }
        let space = DiscreteSpace::from_space(&net.space);
        let estim = SuperNetEstim::new(train)?;
        let per_epoch = ctx.data.train.len().div_ceil(estim.args().batch_size);
        let mut one_shot = Self {
            space,
            weights: estim.weight_optimizer(),
            per_epoch,
            total_epochs,
            schedule: LrSchedule::Constant(0.0),
            estim,
            net,
            seed: ctx.seed,
            recal_batches,
            epochs_done: 0,
        };
        one_shot.reschedule(component)?;
        Ok(one_shot)
    }

    /// Positions the cosine schedule over `total_epochs` at the first batch after
    /// `epochs_done`.
    fn reschedule(&mut self, component: &str) -> Result<(), EstimError> {
        let a = self.estim.args();
        self.schedule = LrSchedule::cosine(
            component,
            (a.lr, a.lr_min),
            self.per_epoch * self.total_epochs.max(1),
            self.per_epoch * self.epochs_done,
        )?;
        Ok(())
    }

    /// Loads the newest checkpoint in the run directory, if any (a resumed run); returns the
    /// supernet epochs done.
    pub fn resume(&mut self, ctx: &SearchContext<'_>) -> Result<usize, EstimError> {
        let Some((dir, done)) = ctx.run_dir.and_then(checkpoint::find) else {
            return Ok(0);
        };
        tracing::info!(epochs_done = done, checkpoint = %dir.display(), "resuming the one-shot supernet");
        checkpoint::restore(&dir, &mut self.net.model, &mut self.weights, &[], None)?;
        self.epochs_done = done;
        self.reschedule("the one-shot supernet")?;
        Ok(done)
    }

    /// Supernet epochs trained so far (restored ones included).
    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }

    /// Checkpoints the supernet into the run directory (when there is one).
    pub fn checkpoint(&self, ctx: &SearchContext<'_>) -> Result<(), EstimError> {
        let Some(dir) = ctx.run_dir else {
            return Ok(());
        };
        let snapshot = Snapshot {
            model: &self.net.model,
            weights: &self.weights,
            alphas: &[],
            adam: None,
        };
        checkpoint::save(dir, self.epochs_done, &snapshot)
    }

    /// The parameter space of the supernet.
    pub fn space(&self) -> &DiscreteSpace {
        &self.space
    }

    /// Sets the epochs the learning-rate schedule spans (when they depend on the space).
    pub fn set_total_epochs(&mut self, epochs: usize) -> Result<(), EstimError> {
        self.total_epochs = epochs;
        self.reschedule("the one-shot supernet")
    }

    /// Reorders the channels of the supernet's elastic groups.
    pub fn reorder(&mut self, by: ChannelOrder) {
        self.net.model.reorder_channels(by);
    }

    /// One epoch of single-path training: every batch runs a path drawn uniformly from the
    /// space (or from `pool` when given). Returns the mean training loss.
    pub fn train_epoch(
        &mut self,
        ctx: &SearchContext<'_>,
        pool: Option<&[ArchDesc]>,
    ) -> Result<f64, EstimError> {
        let space = self.space.clone();
        self.train_epoch_with(ctx, &mut |rng, n| match pool {
            Some(p) if !p.is_empty() => p[n % p.len()].clone(),
            _ => space.sample(rng),
        })
    }

    /// One epoch of training where batch `n` runs the sub-network `sample(rng, n)` draws.
    pub fn train_epoch_with(
        &mut self,
        ctx: &SearchContext<'_>,
        sample: &mut dyn FnMut(&mut StdRng, usize) -> ArchDesc,
    ) -> Result<f64, EstimError> {
        let device = ctx.device;
        // Each epoch draws from its own seed, so a resumed run repeats the uninterrupted one.
        let epoch_seed = self.seed.wrapping_add(1 + self.epochs_done as u64);
        device.seed(epoch_seed);
        let mut rng = StdRng::seed_from_u64(epoch_seed);
        let data = &ctx.data.train;
        let batch = self.estim.args().batch_size;
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.shuffle(&mut rng);
        let mut epoch_loss = EpochLoss::default();
        for idx in order.chunks(batch) {
            let arch = sample(&mut rng, epoch_loss.batches());
            self.net.apply(&arch)?;
            let (x, y) = data.batch(idx, device);
            let loss = ctx.trainer.batch_loss(&self.net.model, x, y, &mut rng)?;
            let mut grads = GradientsParams::from_grads(loss.backward(), &self.net.model);
            if self.estim.args().grad_clip > 0.0 {
                clip_grad_norm(&self.net.model, &mut grads, self.estim.args().grad_clip);
            }
            let lr = self.schedule.next_lr();
            map_in_place(&mut self.net.model, |m| self.weights.step(lr, m, grads));
            epoch_loss.add(loss);
        }
        self.epochs_done += 1;
        Ok(epoch_loss.mean().unwrap_or(f64::NAN))
    }

    /// The sub-network `arch` alone, as trial `index` evaluated it (its batch-norm statistics
    /// recalibrated the same way), with the inherited weights copied.
    pub fn export(
        &mut self,
        ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        index: usize,
    ) -> Result<NetBox, EstimError> {
        self.evaluate(ctx, arch, index)?;
        Ok(self.net.model.export_active())
    }

    /// Applies `arch`, recalibrates batch norm on `recal_batches` training batches (if any),
    /// and evaluates the subnet on the validation split with the context's metrics. The
    /// batches are drawn with trial `index`'s seed, and recalibration recomputes the
    /// statistics outright, so the result does not depend on the trials before.
    pub fn evaluate(
        &mut self,
        ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        index: usize,
    ) -> Result<MetricMap, EstimError> {
        self.net.apply(arch)?;
        let batch = self.estim.args().batch_size;
        if self.recal_batches > 0 {
            let data: &ImageDataset = &ctx.data.train;
            let mut idx: Vec<usize> = (0..data.len()).collect();
            let mut rng = StdRng::seed_from_u64(self.seed ^ (0x5EED_0000 + index as u64));
            idx.shuffle(&mut rng);
            idx.truncate(self.recal_batches * batch);
            let (x, _) = data.batch(&idx, ctx.device);
            map_in_place(&mut self.net.model, |m| {
                recalibrate_bn(m, |m: &NetBox| {
                    let _ = m.forward(x.clone());
                })
            });
        }
        let evaluated = ctx
            .trainer
            .evaluate(&self.net.model, &ctx.data.valid, ctx.device)?;
        let shape = ctx.data.train.shape;
        super::estim::with_network_metrics(&self.net.model, evaluated, None, ctx.metrics, shape)
    }
}
