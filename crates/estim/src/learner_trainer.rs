//! `LearnerTrainer`: each trial's network trained by `burn-train`'s supervised `Learner`, chosen
//! with `[trainer] type = "LearnerTrainer"`. The network is wrapped in a module whose
//! `TrainStep` and `InferenceStep` give Burn's `ClassificationOutput` (cross-entropy), the
//! data goes through a Burn `DataLoader`, and the trial's metrics are those of
//! [`ImageClsTrainer::evaluate`] on the returned model, so a search reads the same `acc` and
//! `loss` whichever trainer ran. burn-train's validation split is the training set: the
//! search's validation split stays unseen until the trial is scored.

use crate::data::{ImageBatch, ImageDataset};
use crate::{
    learner_fit, EstimError, ImageClsTrainer, LearnerSchedule, LearnerTrainerArgs, TrainerArgs,
    TrialReporter, TrialTrainer, WeightTraining,
};
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::Device;
use burn_train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use modnas_construct::NetBox;
use modnas_core::MetricMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Trains trials with burn-train's `Learner`.
pub struct LearnerTrainer {
    args: LearnerTrainerArgs,
    scorer: ImageClsTrainer,
    trainings: AtomicUsize,
}

impl LearnerTrainer {
    /// A trainer with `args`, checked.
    pub fn new(args: LearnerTrainerArgs) -> Result<Self, EstimError> {
        args.check("LearnerTrainer")?;
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

    /// The arguments of the next training: its own numbered records directory, if records
    /// are kept.
    fn next_training(&self) -> LearnerTrainerArgs {
        let n = self.trainings.fetch_add(1, Ordering::Relaxed);
        let records = (self.args.records.as_ref()).map(|dir| dir.join(format!("training-{n:04}")));
        LearnerTrainerArgs {
            records,
            ..self.args.clone()
        }
    }
}

/// A trial's network as burn-train sees it.
#[derive(Module, Debug)]
struct LearnerNet {
    net: NetBox,
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
        reporter: &mut TrialReporter<'_>,
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
        // The Learner runs its epochs in one call: as many as the optimizer chose, if fewer.
        let epochs = reporter.epochs_to_train(epochs);
        let fitted = learner_fit(
            LearnerNet { net },
            train,
            valid,
            epochs,
            &self.next_training(),
            reporter,
        )?;
        // The Learner reported the epochs before its last as they ended; the last one is
        // scored with the model (the epochs that ran: early stopping may end it sooner).
        reporter.add_samples((data.len() * fitted.epochs) as u64);
        reporter.epoch_end(fitted.epochs, fitted.train_loss, &fitted.model.net)?;
        Ok((fitted.model.net, fitted.train_loss))
    }

    /// The Learner's optimizer and its schedule: cosine from `lr` to `lr_min`, or constant.
    fn weight_training(&self) -> Option<WeightTraining> {
        let a = &self.args;
        let lr_min = match a.schedule {
            LearnerSchedule::Cosine => a.lr_min,
            LearnerSchedule::Constant => a.lr,
        };
        Some(WeightTraining {
            optimizer: a.optimizer.build(a.momentum, a.weight_decay),
            lr: (a.lr, lr_min),
        })
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

crate::register_trainer!(
    /// each trial trained by burn-train's supervised Learner (Adam or SGD, Burn DataLoaders),
    /// scored by accuracy and loss
    "LearnerTrainer", |args: LearnerTrainerArgs| {
        Ok(Box::new(LearnerTrainer::new(args)?))
    }
);
