//! Each trial trained by `burn-train`'s supervised `Learner`: the model implements `TrainStep`
//! and `InferenceStep` on `RegressionOutput`, the rows go through a Burn `InMemDataset`, a
//! `Batcher` and `DataLoader`s, the per-trial budget is the Learner's number of epochs, and
//! the metrics the search reads are computed from the model the Learner returns.

use crate::{build, mean_std, score, Data, TabularMlp, FEATURES};
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::InMemDataset;
use burn::nn::loss::{MseLoss, Reduction};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn_train::metric::LossMetric;
use burn_train::{
    InferenceStep, Learner, RegressionOutput, SupervisedTraining, TrainOutput, TrainStep,
};
use modnas::core::MetricMap;
use modnas::estim::{EstimError, SilentRenderer};
use modnas::param_space::ArchDesc;
use std::path::Path;

/// Epochs each trial trains for.
const EPOCHS: usize = 30;

/// One patient: standardised features and the scaled target.
#[derive(Clone, Debug)]
pub(crate) struct Patient {
    features: Vec<f32>,
    target: f32,
}

/// A batch of patients.
#[derive(Clone, Debug)]
pub(crate) struct PatientBatch {
    pub(crate) inputs: Tensor<2>,
    pub(crate) targets: Tensor<2>,
}

#[derive(Clone)]
pub(crate) struct PatientBatcher;

impl Batcher<Patient, PatientBatch> for PatientBatcher {
    fn batch(&self, items: Vec<Patient>, device: &Device) -> PatientBatch {
        let n = items.len();
        let features: Vec<f32> = items.iter().flat_map(|p| p.features.clone()).collect();
        let targets: Vec<f32> = items.iter().map(|p| p.target).collect();
        PatientBatch {
            inputs: Tensor::from_data(TensorData::new(features, [n, FEATURES]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n, 1]), device),
        }
    }
}

impl TabularMlp {
    fn regression(&self, batch: PatientBatch) -> RegressionOutput {
        let output = self.forward(batch.inputs);
        let loss = MseLoss::new().forward(output.clone(), batch.targets.clone(), Reduction::Mean);
        RegressionOutput {
            loss,
            output,
            targets: batch.targets,
        }
    }
}

impl TrainStep for TabularMlp {
    type Input = PatientBatch;
    type Output = RegressionOutput;
    fn step(&self, batch: PatientBatch) -> TrainOutput<RegressionOutput> {
        let item = self.regression(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for TabularMlp {
    type Input = PatientBatch;
    type Output = RegressionOutput;
    fn step(&self, batch: PatientBatch) -> RegressionOutput {
        self.regression(batch)
    }
}

/// The patients of `x` and `y`, the target scaled by the training `(mean, std)`.
pub(crate) fn patients(x: &[f32], y: &[f32], (mean, std): (f32, f32)) -> InMemDataset<Patient> {
    InMemDataset::new(
        x.chunks(FEATURES)
            .zip(y)
            .map(|(f, t)| Patient {
                features: f.to_vec(),
                target: (t - mean) / std,
            })
            .collect(),
    )
}

/// Trains the architecture's MLP with a `Learner` for [`EPOCHS`] epochs (its records in
/// `dir`) and returns the trial's metrics.
pub(crate) fn evaluate(arch: &ArchDesc, data: &Data, dir: &Path) -> Result<MetricMap, EstimError> {
    let device = Device::default().autodiff();
    let model = build(arch, &device)?;
    let scale = mean_std(&data.train_y);
    let train = DataLoaderBuilder::new(PatientBatcher)
        .batch_size(32)
        .shuffle(0)
        .build(patients(&data.train_x, &data.train_y, scale));
    let valid = DataLoaderBuilder::new(PatientBatcher)
        .batch_size(128)
        .build(patients(&data.valid_x, &data.valid_y, scale));
    let learner = Learner::new(model, AdamConfig::new().init(), 0.01);
    let result = SupervisedTraining::new(dir, train, valid)
        .num_epochs(EPOCHS)
        // The Learner's own record of each trial: the loss per epoch, in `dir`.
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        // One search runs many trainings: leave the process's logging and terminal alone.
        .with_application_logger(None)
        .renderer(Box::new(SilentRenderer))
        .launch(learner);
    if let Some(stop) = result.interrupted {
        return Err(EstimError::TrialFailed(format!(
            "the Learner stopped: {stop:?}"
        )));
    }
    // The Learner reports its losses to its renderer and its files; the search reads the
    // returned model's validation RMSE.
    score(&result.model, data, None)
}
