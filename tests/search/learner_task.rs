//! burn-train for a task of the user's own: a regression model whose `TrainStep` gives Burn's
//! `RegressionOutput`, its data a Burn `Dataset` + `Batcher` behind `DataLoader`s, each
//! trial trained by the `Learner` (`learner_fit_batches` from `Task::train`) with the
//! schedule and early stopping of the task's `learner` arguments.

use crate::common::serial;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use burn_train::{InferenceStep, RegressionOutput, TrainOutput, TrainStep};
use modnas::construct::Slot;
use modnas::core::MetricMap;
use modnas::estim::{
    learner_fit, learner_fit_batches, register_task, Batches, EstimError, LearnerTrainerArgs,
    RegressionScores, Task, TaskData, TrialReporter,
};
use modnas::run::read_journal;
use modnas::{run_search, Config, RunMode};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::Arc;

/// A linear layer, a searched activation, a linear head.
#[derive(Module, Debug)]
struct Regressor {
    input: Linear,
    act: Slot,
    output: Linear,
}

#[derive(Clone, Debug)]
struct Rows {
    x: Tensor<2>,
    y: Tensor<2>,
}

impl Regressor {
    fn regress(&self, b: Rows) -> RegressionOutput {
        let h = self.act.forward_dense(self.input.forward(b.x));
        let out = self.output.forward(h);
        let d = out.clone() - b.y.clone();
        RegressionOutput::new((d.clone() * d).mean(), out, b.y)
    }
}

impl TrainStep for Regressor {
    type Input = Rows;
    type Output = RegressionOutput;
    fn step(&self, b: Rows) -> TrainOutput<RegressionOutput> {
        let out = self.regress(b);
        TrainOutput::new(self, out.loss.backward(), out)
    }
}

impl InferenceStep for Regressor {
    type Input = Rows;
    type Output = RegressionOutput;
    fn step(&self, b: Rows) -> RegressionOutput {
        self.regress(b)
    }
}

/// One sample: three features and `y = |x0| + x1² − x2`.
#[derive(Clone, Debug)]
struct Sample([f32; 3]);

#[derive(Clone)]
struct RowBatcher;

impl Batcher<Sample, Rows> for RowBatcher {
    fn batch(&self, items: Vec<Sample>, device: &Device) -> Rows {
        let n = items.len();
        let x: Vec<f32> = items.iter().flat_map(|s| s.0).collect();
        let y: Vec<f32> = items
            .iter()
            .map(|Sample([a, b, c])| a.abs() + b * b - c)
            .collect();
        Rows {
            x: Tensor::from_data(TensorData::new(x, [n, 3]), device),
            y: Tensor::from_data(TensorData::new(y, [n, 1]), device),
        }
    }
}

fn samples(n: usize, seed: u64) -> InMemDataset<Sample> {
    let mut rng = StdRng::seed_from_u64(seed);
    InMemDataset::new(
        (0..n)
            .map(|_| Sample([0; 3].map(|_| rng.random_range(-1.0..1.0))))
            .collect(),
    )
}

fn loader(n: usize, seed: u64, device: &Device) -> Arc<dyn DataLoader<Rows>> {
    DataLoaderBuilder::new(RowBatcher)
        .batch_size(16)
        .shuffle(seed)
        .set_device(device.clone())
        .build(samples(n, seed))
}

/// The task: its `learner` arguments are the Learner's.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LearnerRegression {
    rows: usize,
    #[serde(default)]
    learner: LearnerTrainerArgs,
}

impl Task for LearnerRegression {
    type Model = Regressor;
    type Batch = Rows;

    fn model(&self, device: &Device) -> Result<Regressor, EstimError> {
        Ok(Regressor {
            input: LinearConfig::new(3, 16).init(device),
            act: Slot::dense(16, 16),
            output: LinearConfig::new(16, 1).init(device),
        })
    }

    fn data(&self, device: &Device, seed: u64) -> Result<TaskData<Rows>, EstimError> {
        let valid: Vec<Rows> = loader(self.rows, 99, device).iter().flatten().collect();
        Ok(TaskData::new(loader(self.rows, seed, device), valid))
    }

    fn loss(&self, m: &Regressor, b: &Rows) -> Result<Tensor<1>, EstimError> {
        Ok(m.regress(b.clone()).loss)
    }

    fn evaluate(&self, m: &Regressor, valid: &dyn Batches<Rows>) -> Result<MetricMap, EstimError> {
        let mut scores = RegressionScores::default();
        for b in valid.epoch() {
            let out = m.regress(b?);
            scores.add(out.output, out.targets);
        }
        Ok(scores.finish())
    }

    fn train(
        &self,
        model: Regressor,
        train: &dyn Batches<Rows>,
        epochs: usize,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(Regressor, f64), EstimError> {
        // The Learner runs its epochs in one call: as many as a multi-fidelity optimizer chose.
        let epochs = reporter.epochs_to_train(epochs);
        let fitted = learner_fit_batches(model, train, epochs, &self.learner, reporter)?;
        // The last epoch, with the model; early stopping may have ended the training sooner.
        reporter.epoch_end(fitted.epochs, fitted.train_loss, &fitted.model)?;
        Ok((fitted.model, fitted.train_loss))
    }
}

register_task!(
    /// a regression task of the tests
    "LearnerRegression", LearnerRegression
);

const TASK: &str = r#"
seed = 5
[task]
type = "LearnerRegression"
args = { rows = 128, learner = { lr = 0.02, schedule = "cosine", batch_size = 16 } }
[construct.args]
candidates = ["IDT", "RELU", "GELU"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 12, trials = 3, objective = "mse", mode = "min" }
"#;

/// The mean predictor's MSE on the validation rows: the bar a trained regressor clears.
fn mean_predictor_mse() -> f64 {
    use burn::data::dataset::Dataset;
    let y: Vec<f64> = samples(128, 99)
        .iter()
        .flatten()
        .map(|Sample([a, b, c])| f64::from(a.abs() + b * b - c))
        .collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / y.len() as f64
}

#[test]
fn the_learner_trains_every_regression_trial_of_a_task_search() {
    let _serial = serial();
    let cfg = Config::from_toml(TASK, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (3, 0));
    let baseline = mean_predictor_mse();
    for t in read_journal(dir.path()).unwrap() {
        let (mse, train_loss) = (t.metrics["mse"], t.metrics["train_loss"]);
        assert!(
            train_loss.is_finite() && train_loss > 0.0,
            "{:?}",
            t.metrics
        );
        assert!(
            mse < 0.5 * baseline,
            "{}: MSE {mse} against the mean's {baseline}",
            t.arch.summary()
        );
        // R² is the same comparison, made by `RegressionScores` on the validation rows.
        assert!(t.metrics["r2"] > 0.5, "{:?}", t.metrics);
    }
}

#[test]
fn early_stopping_ends_a_training_that_stops_improving() {
    let device = Device::default().autodiff();
    device.seed(1);
    let model = || {
        let task = LearnerRegression {
            rows: 32,
            learner: LearnerTrainerArgs::default(),
        };
        let sets = modnas::construct::CandidateSets::uniform(["IDT"]);
        let net = task.model(&device).unwrap();
        modnas::construct::construct(net, &sets, &device)
            .unwrap()
            .model
    };
    let train = loader(32, 1, &device);
    // In a fixed order, so that the validation loss of an unchanged model is the same.
    let valid: Arc<dyn DataLoader<Rows>> = DataLoaderBuilder::new(RowBatcher)
        .batch_size(16)
        .set_device(device.clone())
        .build(samples(32, 1));
    // SGD at a rate too small to change the loss in f32: no epoch improves on the first.
    let still = LearnerTrainerArgs {
        optimizer: modnas::estim::WeightOptimKind::Sgd,
        lr: 1e-30,
        momentum: 0.0,
        patience: Some(2),
        batch_size: 16,
        ..LearnerTrainerArgs::default()
    };
    // The epochs the Learner runs, as they end, go to the trial's reporter's events.
    let seen = Arc::new(std::sync::Mutex::new(Vec::<(usize, f64)>::new()));
    let sink = {
        let seen = seen.clone();
        Arc::new(move |event: &modnas::estim::RunEvent| {
            if let modnas::estim::RunEvent::EpochReported { report } = event {
                seen.lock()
                    .unwrap()
                    .push((report.epoch, report.metrics["train_loss"]));
            }
            Ok(())
        })
    };
    let mut reporter = TrialReporter::silent(0).with_sink(sink);
    let fitted = learner_fit(
        model(),
        train.clone(),
        valid.clone(),
        20,
        &still,
        &mut reporter,
    )
    .unwrap();
    assert!(
        fitted.epochs < 20,
        "stopped early: {} epochs",
        fitted.epochs
    );
    // Every epoch but the last (its caller reports that one with the model), in order.
    let seen = seen.lock().unwrap().clone();
    let epochs: Vec<usize> = seen.iter().map(|s| s.0).collect();
    assert_eq!(epochs, (1..fitted.epochs).collect::<Vec<_>>());
    assert!(
        seen.iter().all(|s| s.1.is_finite() && s.1 > 0.0),
        "{seen:?}"
    );
    let all = LearnerTrainerArgs {
        patience: None,
        ..still.clone()
    };
    let mut silent = TrialReporter::silent(0);
    let fitted = learner_fit(model(), train, valid, 5, &all, &mut silent).unwrap();
    assert_eq!(silent.epochs(), 4, "epochs 1 to 4 reported as they ended");
    assert_eq!(fitted.epochs, 5, "without patience every epoch runs");
}

#[test]
fn the_learner_refuses_batches_that_are_not_a_data_loader() {
    let device = Device::default().autodiff();
    let task = LearnerRegression {
        rows: 16,
        learner: LearnerTrainerArgs::default(),
    };
    let model = task.model(&device).unwrap();
    let rows: Vec<Rows> = loader(16, 1, &device).iter().flatten().collect();
    let err = task
        .train(model, &rows, 1, &mut TrialReporter::silent(0))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("DataLoader"), "{err}");
}
