//! `ImageClsTrainer`: cross-entropy training of an image classifier with SGD (momentum,
//! weight decay, cosine learning rate) or Adam, and accuracy on a validation set.

use crate::criterion::{CriterionChain, CriterionInput, CriterionSpec};
use crate::data::{Augment, ImageDataset};
use crate::schedule::LrSchedule;
use crate::{parse_args, EstimError, TrialReporter};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Tensor};
use modnas_construct::NetBox;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Deserialize;

/// The weight optimizer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WeightOptimKind {
    /// SGD with momentum.
    Sgd,
    /// Adam (Burn's defaults: β = (0.9, 0.999)).
    Adam,
}

/// Arguments of the trainer (`[trainer.args]`), with their defaults.
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainerArgs {
    /// `"sgd"` (default) or `"adam"`.
    #[config(default = WeightOptimKind::Sgd)]
    pub optimizer: WeightOptimKind,
    /// Initial learning rate.
    #[config(default = 0.05)]
    pub lr: f64,
    /// Final learning rate of the cosine schedule.
    #[serde(default)]
    pub lr_min: f64,
    /// Cosine annealing from `lr` to `lr_min` over the run.
    #[config(default = true)]
    pub cosine: bool,
    /// SGD momentum.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// L2 weight decay.
    #[config(default = 3e-4)]
    pub weight_decay: f32,
    /// Batch size.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Cutout (DeVries & Taylor, 2017): side of the square zeroed at a random centre of every
    /// training image, clipped at the border; 0 (default) turns it off.
    #[serde(default)]
    pub cutout: usize,
    /// Random crop after zero padding by this many pixels per side (CIFAR: 4); 0 (default)
    /// turns it off.
    #[serde(default)]
    pub crop_padding: usize,
    /// Random horizontal flips.
    #[serde(default)]
    pub flip: bool,
    /// Weight of the auxiliary heads' cross-entropy in the training loss, for models that have
    /// them (DARTSNet with `auxiliary = true`); 0.4 as in DARTS.
    #[config(default = 0.4)]
    pub aux_weight: f64,
    /// The training loss as a chain of criteria (`crate::criterion`); empty (default) means
    /// plain cross-entropy.
    #[serde(default)]
    pub criteria: Vec<CriterionSpec>,
}

impl Default for TrainerArgs {
    fn default() -> Self {
        parse_args("ImageClsTrainer", &toml::Table::new()).expect("defaults parse")
    }
}

impl WeightOptimKind {
    /// The optimizer: SGD with `momentum` (no dampening) or Adam, each with L2
    /// `weight_decay` when it is positive.
    pub fn build(self, momentum: f64, weight_decay: f32) -> ModuleOptimizer {
        let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
        match self {
            WeightOptimKind::Sgd => SgdConfig::new()
                .with_weight_decay(decay)
                .with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0),
                ))
                .init(),
            WeightOptimKind::Adam => AdamConfig::new().with_weight_decay(decay).init(),
        }
    }
}

/// Checks the arguments every weight trainer shares: `lr` positive, `batch_size` at least 1,
/// `momentum` in [0, 1); an error names `component` and the key.
pub(crate) fn check_weight_args(
    component: &str,
    lr: f64,
    batch_size: usize,
    momentum: f64,
) -> Result<(), EstimError> {
    let reason = if !(lr > 0.0 && lr.is_finite()) {
        format!("`lr` = {lr} must be a positive number")
    } else if batch_size == 0 {
        "`batch_size` must be at least 1".to_string()
    } else if !(0.0..1.0).contains(&momentum) {
        format!("`momentum` = {momentum} must lie in [0, 1)")
    } else {
        return Ok(());
    };
    Err(EstimError::InvalidArgs {
        component: component.into(),
        reason,
    })
}

/// Loss and accuracy on a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalStats {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Fraction of correct predictions.
    pub acc: f64,
}

/// Trains and evaluates image classifiers.
#[derive(Clone, Debug)]
pub struct ImageClsTrainer {
    args: TrainerArgs,
    chain: std::sync::Arc<CriterionChain>,
}

/// A `[n, 1, h, w]` mask of ones with one `size`×`size` square of zeros per image, centred at
/// a random pixel and clipped at the border.
pub fn cutout_mask(
    n: usize,
    [_, h, w]: [usize; 3],
    size: usize,
    rng: &mut impl rand::Rng,
    device: &Device,
) -> Tensor<4> {
    let mut mask = vec![1.0f32; n * h * w];
    let half = size / 2;
    for img in mask.chunks_mut(h * w) {
        let (cy, cx) = (rng.random_range(0..h), rng.random_range(0..w));
        for yy in cy.saturating_sub(half)..(cy + size - half).min(h) {
            for xx in cx.saturating_sub(half)..(cx + size - half).min(w) {
                img[yy * w + xx] = 0.0;
            }
        }
    }
    Tensor::from_data(burn::tensor::TensorData::new(mask, [n, 1, h, w]), device)
}

impl ImageClsTrainer {
    /// A trainer with `args`, checked.
    pub fn new(args: TrainerArgs) -> Result<Self, EstimError> {
        check_weight_args("ImageClsTrainer", args.lr, args.batch_size, args.momentum)?;
        if !(args.aux_weight >= 0.0 && args.aux_weight.is_finite()) {
            return Err(EstimError::InvalidArgs {
                component: "ImageClsTrainer".into(),
                reason: format!(
                    "`aux_weight` = {} must be a non-negative number",
                    args.aux_weight
                ),
            });
        }
        let chain = std::sync::Arc::new(CriterionChain::new(&args.criteria)?);
        let trainer = Self { args, chain };
        // Burn's schedule has checks of its own (`lr` at most 1): fail here, not in a trial.
        trainer.schedule(2, 0)?;
        Ok(trainer)
    }

    /// A trainer from TOML arguments.
    pub fn from_args(args: &toml::Table) -> Result<Self, EstimError> {
        Self::new(parse_args("ImageClsTrainer", args)?)
    }

    /// The arguments.
    pub fn args(&self) -> &TrainerArgs {
        &self.args
    }

    /// The training loss's criteria chain.
    pub fn chain(&self) -> &CriterionChain {
        &self.chain
    }

    fn optimizer(&self) -> ModuleOptimizer {
        let a = &self.args;
        a.optimizer.build(a.momentum, a.weight_decay)
    }

    /// The learning rate of each of `total` steps, positioned at step `start`.
    fn schedule(&self, total: usize, start: usize) -> Result<LrSchedule, EstimError> {
        if !self.args.cosine {
            return Ok(LrSchedule::Constant(self.args.lr));
        }
        let rates = (self.args.lr, self.args.lr_min);
        LrSchedule::cosine("ImageClsTrainer", rates, total, start)
    }

    /// Trains `net` (built on the autodiff `device`) for `epochs` on `data` with the criteria
    /// chain; batches are shuffled with `seed`. Returns the trained net and the mean training loss of the last
    /// epoch. At the start of epoch `e` the net hears progress `e / epochs`
    /// ([`NetBox::set_progress`]); auxiliary logits add `aux_weight` times their loss. Each
    /// epoch's end goes to `reporter` ([`TrialReporter::epoch_end`]), which may stop the
    /// training ([`EstimError::Pruned`]), and is checkpointed through it when the run
    /// checkpoints trials; an interrupted trial resumes at its last checkpoint. Each epoch
    /// draws its shuffle, augmentation and the device's randomness from
    /// [`TrialReporter::epoch_seed`], so a resumed trial trains as it would have.
    pub fn train(
        &self,
        mut net: NetBox,
        data: &ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(NetBox, f64), EstimError> {
        let mut optim = self.optimizer();
        let loss_fn = CrossEntropyLossConfig::new().init(device);
        let per_epoch = data.len().div_ceil(self.args.batch_size);
        let start = reporter.resume(&mut net, &mut optim)?;
        let mut schedule = self.schedule(per_epoch * epochs, per_epoch * start)?;
        let mut last_loss = reporter.last_train_loss();
        for epoch in start..epochs {
            net.set_progress(epoch as f64 / epochs as f64);
            let epoch_seed = TrialReporter::epoch_seed(seed, epoch);
            device.seed(epoch_seed);
            let mut rng = StdRng::seed_from_u64(epoch_seed);
            let mut order: Vec<usize> = (0..data.len()).collect();
            order.shuffle(&mut rng);
            // Losses stay on the device and are read once per epoch: no per-step host sync.
            let mut loss_sum: Option<Tensor<1>> = None;
            for (i, batch) in order.chunks(self.args.batch_size).enumerate() {
                let augment = Augment {
                    crop_padding: self.args.crop_padding,
                    flip: self.args.flip,
                };
                let (x, y) = data.augmented_batch(batch, &augment, &mut rng, device);
                let x = match self.args.cutout {
                    0 => x,
                    size => x * cutout_mask(batch.len(), data.shape, size, &mut rng, device),
                };
                let mut input = CriterionInput::new(&net, x, y.clone(), &mut rng);
                let mut loss = self.chain.loss(&mut input)?;
                // The auxiliary head learns plain cross-entropy, from the forward pass the
                // chain made (a chain that runs the net on mixed inputs has none).
                if input.has_outputs() && self.args.aux_weight > 0.0 {
                    if let (_, Some(aux)) = input.outputs() {
                        loss = loss + loss_fn.forward(aux, y).mul_scalar(self.args.aux_weight);
                    }
                }
                let detached = loss.clone().detach();
                loss_sum = Some(match loss_sum {
                    Some(s) => s + detached,
                    None => detached,
                });
                let grads = GradientsParams::from_grads(loss.backward(), &net);
                net = optim.step(schedule.next_lr(), net, grads);
                crate::progress::batch_done(epoch, epochs, i, per_epoch);
            }
            if let Some(sum) = loss_sum {
                last_loss = sum.into_scalar::<f64>() / per_epoch as f64;
            }
            crate::progress::epoch_done(epoch, epochs, last_loss);
            reporter.add_samples(data.len() as u64);
            reporter.epoch_end(epoch + 1, last_loss, &net)?;
            reporter.checkpoint(epoch + 1, &net, &optim)?;
        }
        Ok((net, last_loss))
    }

    /// Loss and accuracy of `net` on `data` (in inference mode, without autodiff).
    pub fn evaluate(&self, net: &NetBox, data: &ImageDataset, device: &Device) -> EvalStats {
        let net = net.valid();
        let device = device.clone().inner();
        let loss_fn = CrossEntropyLossConfig::new().init(&device);
        let indices: Vec<usize> = (0..data.len()).collect();
        let mut loss_sum: Option<Tensor<1>> = None;
        let mut correct: Option<Tensor<1>> = None;
        for batch in indices.chunks(self.args.batch_size.max(256)) {
            let (x, y) = data.batch(batch, &device);
            let logits = net.forward(x);
            let n = batch.len() as f64;
            let loss = loss_fn.forward(logits.clone(), y.clone()) * n;
            let hits = logits
                .argmax(1)
                .reshape([batch.len()])
                .equal(y)
                .int()
                .sum()
                .float();
            loss_sum = Some(loss_sum.map_or(loss.clone(), |s| s + loss));
            correct = Some(correct.map_or(hits.clone(), |c| c + hits));
        }
        let n = data.len().max(1) as f64;
        EvalStats {
            loss: loss_sum.map_or(f64::NAN, |s| s.into_scalar::<f64>() / n),
            acc: correct.map_or(0.0, |c| c.into_scalar::<f64>() / n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;

    #[test]
    fn cutout_zeroes_one_clipped_square_per_image() {
        let mut rng = StdRng::seed_from_u64(1);
        let device = Device::default();
        let mask = cutout_mask(50, [3, 8, 8], 4, &mut rng, &device);
        assert_eq!(mask.dims(), [50, 1, 8, 8]);
        let v = mask.into_data().try_to_vec_as::<f32>().unwrap();
        for img in v.chunks(64) {
            let zeros: Vec<(usize, usize)> = (0..64)
                .filter(|i| img[*i] == 0.0)
                .map(|i| (i / 8, i % 8))
                .collect();
            // A 4×4 square, clipped to at least 2×2 at a corner.
            assert!((4..=16).contains(&zeros.len()), "{} zeros", zeros.len());
            let (rows, cols): (Vec<usize>, Vec<usize>) = zeros.iter().copied().unzip();
            let h = rows.iter().max().unwrap() - rows.iter().min().unwrap() + 1;
            let w = cols.iter().max().unwrap() - cols.iter().min().unwrap() + 1;
            assert_eq!(h * w, zeros.len(), "the zeros form a rectangle");
            assert!(img.iter().all(|x| *x == 0.0 || *x == 1.0));
        }
    }
}
