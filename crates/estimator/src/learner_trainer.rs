//! `LearnerTrainer`: each trial's network trained by `burn-train`'s supervised `Learner`, chosen
//! with `[trainer] type = "LearnerTrainer"`. The network is wrapped in a module whose
//! `TrainStep` and `InferenceStep` give Burn's `ClassificationOutput` (cross-entropy), the
//! data goes through a Burn `DataLoader`, and the trial's metrics are those of
//! [`ImageClsTrainer::evaluate`] on the returned model, so a search reads the same `acc` and
//! `loss` whichever trainer ran. burn-train's validation split is the training set: the
//! search's validation split stays unseen until the trial is scored.

use crate::data::ImageDataset;
use crate::trainer::check_weight_args;
use crate::{
    parse_args, EstimError, ImageClsTrainer, SilentRenderer, TrainerArgs, TrialTrainer,
    WeightOptimKind,
};
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Device, Int, Tensor};
use burn_train::metric::{AccuracyMetric, LossMetric};
use burn_train::{
    ClassificationOutput, InferenceStep, Learner, LearnerSummary, SupervisedTraining, TrainOutput,
    TrainStep,
};
use modnas_construct::NetBox;
use modnas_param_space::MetricMap;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Arguments of [`LearnerTrainer`] (`[trainer.args]`), with their defaults.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LearnerTrainerArgs {
    /// `"adam"` (default) or `"sgd"` (with `momentum`).
    #[serde(default = "adam")]
    pub optimizer: WeightOptimKind,
    /// The Learner's constant learning rate. Default 0.001.
    #[serde(default = "default_lr")]
    pub lr: f64,
    /// SGD momentum. Default 0.9.
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    /// L2 weight decay. Default 0.
    #[serde(default)]
    pub weight_decay: f32,
    /// Batch size. Default 64.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Where the Learner keeps its records (its metric logs per epoch), one numbered
    /// directory per training; unset (default), a temporary directory removed afterwards.
    #[serde(default)]
    pub records: Option<PathBuf>,
}

fn adam() -> WeightOptimKind {
    WeightOptimKind::Adam
}
fn default_lr() -> f64 {
    1e-3
}
fn default_momentum() -> f64 {
    0.9
}
fn default_batch() -> usize {
    64
}

/// Trains trials with burn-train's `Learner`.
pub struct LearnerTrainer {
    args: LearnerTrainerArgs,
    scorer: ImageClsTrainer,
    trainings: AtomicUsize,
}

impl LearnerTrainer {
    /// A trainer with `args`, checked.
    pub fn new(args: LearnerTrainerArgs) -> Result<Self, EstimError> {
        check_weight_args("LearnerTrainer", args.lr, args.batch_size, args.momentum)?;
        let scorer = ImageClsTrainer::new(TrainerArgs {
            batch_size: args.batch_size,
            ..TrainerArgs::default()
        })?;
        Ok(Self {
            args,
            scorer,
            trainings: AtomicUsize::new(0),
        })
    }

    /// The directory of the next training and whether it is temporary.
    fn records_dir(&self) -> (PathBuf, bool) {
        let n = self.trainings.fetch_add(1, Ordering::Relaxed);
        match &self.args.records {
            Some(dir) => (dir.join(format!("training-{n:04}")), false),
            None => {
                let name = format!("modnas-learner-{}-{n}", std::process::id());
                (std::env::temp_dir().join(name), true)
            }
        }
    }
}

/// A trial's network as burn-train sees it.
#[derive(Module, Debug)]
struct LearnerNet {
    net: NetBox,
}

/// A batch of images and labels.
#[derive(Clone, Debug)]
struct ImageBatch {
    images: Tensor<4>,
    labels: Tensor<1, Int>,
}

impl LearnerNet {
    fn classify(&self, batch: ImageBatch) -> ClassificationOutput {
        let output = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&output.device())
            .forward(output.clone(), batch.labels.clone());
        ClassificationOutput::new(loss, output, batch.labels)
    }
}

impl TrainStep for LearnerNet {
    type Input = ImageBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: ImageBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.classify(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for LearnerNet {
    type Input = ImageBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: ImageBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}

/// Batches of a shared dataset by index: the loader shuffles indices, the dataset assembles
/// the tensors.
#[derive(Clone)]
struct IndexBatcher(Arc<ImageDataset>);

impl Batcher<usize, ImageBatch> for IndexBatcher {
    fn batch(&self, items: Vec<usize>, device: &Device) -> ImageBatch {
        let (images, labels) = self.0.batch(&items, device);
        ImageBatch { images, labels }
    }
}

impl TrialTrainer for LearnerTrainer {
    fn train(
        &self,
        net: NetBox,
        data: &ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
    ) -> Result<(NetBox, f64), EstimError> {
        // Burn's loaders own their dataset ('static), and the trainer is lent the data: one
        // copy per training.
        let shared = Arc::new(data.clone());
        let loader = |batch: usize| {
            DataLoaderBuilder::new(IndexBatcher(shared.clone()))
                .batch_size(batch)
                .set_device(device.clone())
        };
        let indices = || InMemDataset::new((0..data.len()).collect::<Vec<usize>>());
        let train = loader(self.args.batch_size).shuffle(seed).build(indices());
        let valid = loader(self.args.batch_size.max(256)).build(indices());
        let (dir, temporary) = self.records_dir();
        let a = &self.args;
        let optim = a.optimizer.build(a.momentum, a.weight_decay);
        let learner = Learner::new(LearnerNet { net }, optim, self.args.lr);
        let result = SupervisedTraining::new(&dir, train, valid)
            .num_epochs(epochs.max(1))
            .metric_train_numeric(LossMetric::new())
            .metric_train_numeric(AccuracyMetric::new())
            .metric_valid_numeric(LossMetric::new())
            // A search runs many trainings: the process's logging and terminal stay modnas's.
            .with_application_logger(None)
            .renderer(Box::new(SilentRenderer))
            .launch(learner);
        let train_loss = last_train_loss(&dir);
        if temporary {
            let _ = std::fs::remove_dir_all(&dir);
        }
        if let Some(stop) = result.interrupted {
            return Err(EstimError::TrialFailed(format!(
                "burn-train's Learner stopped: {stop:?}"
            )));
        }
        // The Learner returns its model in inference mode; the caller gets it as it gave it.
        Ok((result.model.net.train(), train_loss))
    }

    fn evaluate(
        &self,
        net: &NetBox,
        data: &ImageDataset,
        device: &Device,
    ) -> Result<MetricMap, EstimError> {
        TrialTrainer::evaluate(&self.scorer, net, data, device)
    }
}

/// The mean training loss of the last epoch, from the Learner's records (NaN if it kept
/// none).
fn last_train_loss(dir: &std::path::Path) -> f64 {
    let Ok(summary) = LearnerSummary::new(dir, &["Loss"]) else {
        return f64::NAN;
    };
    let loss = summary.metrics.train.iter().find(|m| m.name == "Loss");
    loss.and_then(|m| m.entries.last())
        .map_or(f64::NAN, |e| e.value)
}

fn build(args: &toml::Table) -> Result<Box<dyn TrialTrainer>, EstimError> {
    Ok(Box::new(LearnerTrainer::new(parse_args(
        "LearnerTrainer",
        args,
    )?)?))
}
crate::register_trainer!("LearnerTrainer", build);
modnas_param_space::describe_component!(
    "trainer",
    "LearnerTrainer",
    "each trial trained by burn-train's supervised Learner (Adam or SGD, Burn DataLoaders), scored by accuracy and loss",
    LearnerTrainerArgs
);
