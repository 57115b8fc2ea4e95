//! [`TrialTrainer`]: how a search trains and scores networks, registered by
//! name for `[trainer] type`. [`ImageClsTrainer`] is one; a user crate registers its own —
//! another loss, other metrics, its own loop — with `register_trainer!("MyTrainer", build)`.
//! `SubNetEstim`, `HPTuneEstim`'s in-process trials and `DefaultEstim` (the augment step) call
//! its [`train`](TrialTrainer::train). Weight-sharing estimators (`SuperNetEstim` with DARTS and
//! kin, `SPOSEstim`, `ProgressiveShrinkingEstim`, `CARSEstim`) run their own weight and α steps on
//! the trainer's [`batch_loss`](TrialTrainer::batch_loss) and score each epoch or sub-network
//! with its [`evaluate`](TrialTrainer::evaluate): a registered trainer thus brings its loss and
//! its metrics to every estimator.
//!
//! A trainer's metrics must hold the search's objective. Failures keep working through it: an
//! error of the architecture ([`EstimError::TrialFailed`]), a panic or a NaN objective or
//! `train_loss` fails that trial only.

use crate::criterion::CriterionInput;
use crate::data::ImageDataset;
use crate::{EstimError, ImageClsTrainer, TrialReporter};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Device, Int, Tensor};
use modnas_construct::NetBox;
use modnas_core::MetricMap;
use rand::rngs::StdRng;

/// Trains and evaluates the network of one trial.
pub trait TrialTrainer: Send + Sync {
    /// Trains `net` (built on the autodiff `device`) for `epochs` on `data`, shuffling with
    /// `seed`; returns the trained net and its mean training loss over the last epoch. After
    /// each epoch it calls `reporter.epoch_end(epoch, train_loss, &net)?` (epochs count from
    /// 1), which scores the net on the validation data when the run has a pruner and returns
    /// [`EstimError::Pruned`] when the pruner stops the trial; a trainer that does not report
    /// trains every trial to the end.
    fn train(
        &self,
        net: NetBox,
        data: &ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(NetBox, f64), EstimError>;

    /// The metrics of `net` on `data` (`acc` and `loss` for the image trainer).
    fn evaluate(
        &self,
        net: &NetBox,
        data: &ImageDataset,
        device: &Device,
    ) -> Result<MetricMap, EstimError>;

    /// The differentiable training loss of `net` on one batch (inputs `x`, labels `y`), which
    /// weight-sharing estimators minimise in their weight and α steps; `rng` is the step's
    /// randomness. The default is the cross-entropy of `net.forward(x)`.
    fn batch_loss(
        &self,
        net: &NetBox,
        x: Tensor<4>,
        y: Tensor<1, Int>,
        rng: &mut StdRng,
    ) -> Result<Tensor<1>, EstimError> {
        let _ = rng;
        Ok(cross_entropy(net, x, y))
    }

    /// The weights' optimizer and learning rates, for a supernet that trains with the
    /// trainer's (`SuperNetEstim`'s `weights = "trainer"`); `None` (the default): the trainer
    /// gives none.
    fn weight_training(&self) -> Option<WeightTraining> {
        None
    }
}

/// How a trainer trains weights: its Burn optimizer and its learning rate, annealed by a
/// cosine from the first to the second value over the training (equal values: constant).
pub struct WeightTraining {
    /// The optimizer (SGD with momentum, Adam …).
    pub optimizer: burn::optim::ModuleOptimizer,
    /// `(lr, lr_min)`.
    pub lr: (f64, f64),
}

/// The mean cross-entropy of `net.forward(x)` against the labels `y`.
pub fn cross_entropy(net: &NetBox, x: Tensor<4>, y: Tensor<1, Int>) -> Tensor<1> {
    let loss = CrossEntropyLossConfig::new().init(&x.device());
    loss.forward(net.forward(x), y)
}

impl TrialTrainer for ImageClsTrainer {
    fn train(
        &self,
        net: NetBox,
        data: &ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(NetBox, f64), EstimError> {
        ImageClsTrainer::train(self, net, data, epochs, device, seed, reporter)
    }

    fn evaluate(
        &self,
        net: &NetBox,
        data: &ImageDataset,
        device: &Device,
    ) -> Result<MetricMap, EstimError> {
        let stats = ImageClsTrainer::evaluate(self, net, data, device);
        Ok(MetricMap::from([
            ("acc".to_string(), stats.acc),
            ("loss".to_string(), stats.loss),
        ]))
    }

    /// The `criteria` chain when the arguments set one (label smoothing reaches supernet
    /// training too), the plain cross-entropy otherwise.
    fn batch_loss(
        &self,
        net: &NetBox,
        x: Tensor<4>,
        y: Tensor<1, Int>,
        rng: &mut StdRng,
    ) -> Result<Tensor<1>, EstimError> {
        if self.args().criteria.is_empty() {
            return Ok(cross_entropy(net, x, y));
        }
        self.chain().loss(&mut CriterionInput::new(net, x, y, rng))
    }

    /// Its optimizer (`optimizer`, `momentum`, `weight_decay`) and its cosine from `lr` to
    /// `lr_min` (constant at `lr` with `cosine = false`).
    fn weight_training(&self) -> Option<WeightTraining> {
        let a = self.args();
        Some(WeightTraining {
            optimizer: a.optimizer.build(a.momentum, a.weight_decay),
            lr: (a.lr, if a.cosine { a.lr_min } else { a.lr }),
        })
    }
}

modnas_core::table_registry!(
    /// A registered trainer.
    TrainerEntry, "trainer", TrainerBuildFn -> Box<dyn TrialTrainer>, EstimError;
    build_trainer, trainer_names
);

/// Registers a trainer: its doc comment (what `modnas list --detail` says of it), its name and a
/// closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the component) to the trainer, or `|| …` when it takes no
/// arguments (any key is refused).
#[macro_export]
macro_rules! register_trainer {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::TrainerEntry, $crate::parse_args; $($t)*);
    };
}

register_trainer!(
    /// image classification: SGD or Adam on the weights, cosine schedule, augmentations, criteria
    /// chain
    "ImageClsTrainer", |args: crate::TrainerArgs| Ok(Box::new(ImageClsTrainer::new(args)?))
);
