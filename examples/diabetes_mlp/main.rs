//! Tabular regression with your own model and training loop: an MLP on scikit-learn's diabetes
//! data (442 patients × 10 features, `examples/data/diabetes.csv`, BSD-3), its hidden width,
//! depth and the activation of each layer searched by regularized evolution. The model is a
//! plain Burn module whose activations are dense `Slot`s; width and depth are values the model
//! reads when it is built. Training (Adam on MSE) and the metric (RMSE on a held-out fifth) are
//! this file's own: modnas proposes, records and resumes (`FunctionalSearch`). With
//! `--learner`, every trial is trained by `burn-train`'s supervised `Learner` instead, the
//! per-trial budget its number of epochs (`learner.rs` beside this file). With `--darts`, the
//! hidden widths and activations of a two-block MLP are searched by DARTS on the user's own
//! batches and loss (`FunctionalSuperNet`, `darts.rs`), and the derived MLP is trained from
//! scratch.
//!
//! ```text
//! cargo run --release --example diabetes_mlp -- --trials 24 --out runs/diabetes
//! cargo run --release --example diabetes_mlp -- --trials 24 --out runs/diabetes-learner --learner
//! cargo run --release --example diabetes_mlp -- --darts --epochs 30 --out runs/diabetes-darts
//! ```

mod darts;
mod learner;

use anyhow::Context;
use burn::module::Module;
use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use modnas::construct::{construct, CandidateSets, Slot};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::param_space::{ArchDesc, Categorical, ParamSpace};
use modnas::{FunctionalSearch, RunMode, SearchRun};
use std::path::{Path, PathBuf};

const CSV: &str = include_str!("../data/diabetes.csv");
pub(crate) const FEATURES: usize = 10;
const MAX_DEPTH: usize = 3;
const STEPS: usize = 150;

/// Standardised features, the target in its own units, split 4:1 (every fifth row held out).
pub(crate) struct Data {
    pub(crate) train_x: Vec<f32>,
    pub(crate) train_y: Vec<f32>,
    pub(crate) valid_x: Vec<f32>,
    pub(crate) valid_y: Vec<f32>,
}

fn load() -> anyhow::Result<Data> {
    let mut rows: Vec<Vec<f32>> = vec![];
    for (i, line) in CSV.lines().enumerate().skip(1) {
        let row = line
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("diabetes.csv line {}", i + 1))?;
        anyhow::ensure!(
            row.len() == FEATURES + 1,
            "line {}: {} columns",
            i + 1,
            row.len()
        );
        rows.push(row);
    }
    let (train, valid): (Vec<_>, Vec<_>) = rows.iter().enumerate().partition(|(i, _)| i % 5 != 4);
    // Feature scaling from the training rows only.
    let n = train.len() as f32;
    let mean: Vec<f32> = (0..FEATURES)
        .map(|j| train.iter().map(|(_, r)| r[j]).sum::<f32>() / n)
        .collect();
    let std: Vec<f32> = (0..FEATURES)
        .map(|j| {
            let v = train
                .iter()
                .map(|(_, r)| (r[j] - mean[j]).powi(2))
                .sum::<f32>()
                / n;
            v.sqrt().max(1e-6)
        })
        .collect();
    let split = |rows: &[(usize, &Vec<f32>)]| {
        let x = rows
            .iter()
            .flat_map(|(_, r)| (0..FEATURES).map(|j| (r[j] - mean[j]) / std[j]))
            .collect();
        let y = rows.iter().map(|(_, r)| r[FEATURES]).collect();
        (x, y)
    };
    let ((train_x, train_y), (valid_x, valid_y)) = (split(&train), split(&valid));
    Ok(Data {
        train_x,
        train_y,
        valid_x,
        valid_y,
    })
}

/// A hidden layer: a linear map and a searched activation.
#[derive(Module, Debug)]
struct Block {
    linear: Linear,
    act: Slot,
}

/// The user's MLP: `depth` blocks of `width` features, then a linear output.
#[derive(Module, Debug)]
pub(crate) struct TabularMlp {
    blocks: Vec<Block>,
    output: Linear,
}

impl TabularMlp {
    fn new(width: usize, depth: usize, device: &Device) -> Self {
        let blocks = (0..depth)
            .map(|i| Block {
                linear: LinearConfig::new(if i == 0 { FEATURES } else { width }, width)
                    .init(device),
                act: Slot::dense(width, width),
            })
            .collect();
        Self {
            blocks,
            output: LinearConfig::new(width, 1).init(device),
        }
    }

    pub(crate) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self
            .blocks
            .iter()
            .fold(x, |h, b| b.act.forward_dense(b.linear.forward(h)));
        self.output.forward(h)
    }
}

fn activations() -> CandidateSets {
    CandidateSets::uniform(["RELU", "GELU", "SILU"])
}

/// The space: each block's activation (from the slots of the deepest model), its width and
/// its depth.
fn space(device: &Device) -> anyhow::Result<ParamSpace> {
    let mut space = construct(
        TabularMlp::new(8, MAX_DEPTH, device),
        &activations(),
        device,
    )?
    .space;
    space.insert("width", Categorical::new([16i64, 32, 64])?)?;
    space.insert("depth", Categorical::new([1i64, 2, 3])?)?;
    Ok(space)
}

fn int(arch: &ArchDesc, key: &str) -> Result<usize, EstimError> {
    arch.get(key)
        .and_then(|v| v.as_i64())
        .map(|v| v as usize)
        .ok_or_else(|| EstimError::TrialFailed(format!("no integer `{key}` in {}", arch.summary())))
}

/// The architecture's MLP, built on `device` with its width and depth and its slots set.
pub(crate) fn build(arch: &ArchDesc, device: &Device) -> Result<TabularMlp, EstimError> {
    device.seed(0);
    let (width, depth) = (int(arch, "width")?, int(arch, "depth")?);
    let mut c = construct(
        TabularMlp::new(width, depth, device),
        &activations(),
        device,
    )?;
    c.apply_known(arch)?;
    Ok(c.model)
}

fn tensor(v: &[f32], cols: usize, d: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(v.to_vec(), [v.len() / cols, cols]), d)
}

/// Trains the architecture's MLP with Adam on the scaled target and returns its metrics.
fn evaluate(arch: &ArchDesc, data: &Data) -> Result<MetricMap, EstimError> {
    let device = Device::default().autodiff();
    let (model, train_loss) = fit(build(arch, &device)?, TabularMlp::forward, data, &device);
    score(&model.valid(), data, Some(train_loss))
}

/// [`STEPS`] full-batch Adam steps of `model` on the scaled training target; returns the model
/// and its last training loss.
pub(crate) fn fit<M: Module>(
    mut model: M,
    forward: impl Fn(&M, Tensor<2>) -> Tensor<2>,
    data: &Data,
    device: &Device,
) -> (M, f64) {
    let (y_mean, y_std) = mean_std(&data.train_y);
    let x = tensor(&data.train_x, FEATURES, device);
    let scaled: Vec<f32> = data.train_y.iter().map(|y| (y - y_mean) / y_std).collect();
    let y = tensor(&scaled, 1, device);
    let mut optim = AdamConfig::new().init();
    let mut train_loss = f64::NAN;
    for _ in 0..STEPS {
        let loss = MseLoss::new().forward(forward(&model, x.clone()), y.clone(), Reduction::Mean);
        train_loss = f64::from(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.01, model, grads);
    }
    (model, train_loss)
}

/// The metrics of a trained MLP (in inference mode): validation RMSE in the target's units,
/// the parameter count, and `train_loss` when given.
pub(crate) fn score(
    valid: &TabularMlp,
    data: &Data,
    train_loss: Option<f64>,
) -> Result<MetricMap, EstimError> {
    let mut metrics = MetricMap::from([
        ("rmse".to_string(), rmse(|x| valid.forward(x), data)?),
        ("params".to_string(), valid.num_params() as f64),
    ]);
    if let Some(loss) = train_loss {
        metrics.insert("train_loss".to_string(), loss);
    }
    Ok(metrics)
}

/// The validation RMSE, in the target's units, of a model (in inference mode) whose forward
/// pass is `forward`.
pub(crate) fn rmse(
    forward: impl Fn(Tensor<2>) -> Tensor<2>,
    data: &Data,
) -> Result<f64, EstimError> {
    let (y_mean, y_std) = mean_std(&data.train_y);
    let pred = forward(tensor(&data.valid_x, FEATURES, &Device::default()));
    let pred: Vec<f32> = pred
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| EstimError::TrialFailed(format!("reading the predictions: {e:?}")))?;
    let mse = pred
        .iter()
        .zip(&data.valid_y)
        .map(|(p, y)| f64::from(p * y_std + y_mean - y).powi(2))
        .sum::<f64>()
        / pred.len() as f64;
    Ok(mse.sqrt())
}

pub(crate) fn mean_std(v: &[f32]) -> (f32, f32) {
    let n = v.len() as f32;
    let mean = v.iter().sum::<f32>() / n;
    let var = v.iter().map(|y| (y - mean).powi(2)).sum::<f32>() / n;
    (mean, var.sqrt())
}

/// The RMSE of predicting the training mean for every held-out patient.
fn baseline_rmse(data: &Data) -> f64 {
    let (mean, _) = mean_std(&data.train_y);
    let mse = data
        .valid_y
        .iter()
        .map(|y| f64::from(y - mean).powi(2))
        .sum::<f64>()
        / data.valid_y.len() as f64;
    mse.sqrt()
}

/// Searches `trials` architectures by regularized evolution in `out`; each is trained by this
/// file's loop, or by burn-train's `Learner` when `learner`.
fn search(
    trials: usize,
    out: &Path,
    mode: RunMode,
    learner: bool,
) -> anyhow::Result<(SearchRun, f64)> {
    let data = load()?;
    let device = Device::default();
    let mut args = toml::Table::new();
    args.insert("population".into(), 8.into());
    args.insert("sample_size".into(), 3.into());
    let run = FunctionalSearch::new(space(&device)?)
        .optimizer("RegularizedEvolutionOptim", args)
        .trials(trials)
        .objective("rmse", false)
        .run(out, mode, |arch, index| {
            if learner {
                let dir = out.join("learner").join(format!("trial-{index}"));
                learner::evaluate(arch, &data, &dir)
            } else {
                evaluate(arch, &data)
            }
        })?;
    Ok((run, baseline_rmse(&data)))
}

fn main() -> anyhow::Result<()> {
    let mut trials = 24;
    let mut epochs = 30;
    let mut out = PathBuf::from("runs/diabetes");
    let mut mode = RunMode::Overwrite;
    let (mut learner, mut darts) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--trials" => trials = args.next().context("--trials N")?.parse()?,
            "--epochs" => epochs = args.next().context("--epochs N")?.parse()?,
            "--out" => out = args.next().context("--out DIR")?.into(),
            "--resume" => mode = RunMode::Resume,
            "--learner" => learner = true,
            "--darts" => darts = true,
            other => anyhow::bail!(
                "unknown argument `{other}`; use --trials N, --out DIR, --resume, --learner, --darts, --epochs N"
            ),
        }
    }
    let start = std::time::Instant::now();
    if darts {
        let data = load()?;
        let found = darts::search(epochs, &out, &data)?;
        println!("run directory: {}", out.display());
        println!("derived arch: {}", found.arch.summary());
        println!(
            "supernet validation RMSE: {:.1} after epoch 1, {:.1} after epoch {epochs}",
            found.supernet_rmse.0, found.supernet_rmse.1
        );
        println!(
            "trained from scratch: derived MLP validation RMSE {:.1}, plain ReLU MLP of the same width {:.1} (predicting the mean: {:.1}); {:.1} s",
            found.derived_rmse,
            found.plain_rmse,
            baseline_rmse(&data),
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let (run, baseline) = search(trials, &out, mode, learner)?;
    let best = run.outcome.best.context("every trial failed")?;
    println!("run directory: {}", run.dir.display());
    println!(
        "trials: {}, failed: {}",
        run.outcome.trials, run.outcome.failed
    );
    println!("best arch: {}", best.arch.summary());
    println!(
        "best validation RMSE: {:.1} (predicting the mean: {baseline:.1}); {:.1} s",
        best.metrics["rmse"],
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard};

    /// Burn seeds weight initialisation per device, process-wide: one test at a time.
    fn serial() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn a_short_search_beats_predicting_the_mean() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let (run, baseline) = search(4, tmp.path(), RunMode::New, false).unwrap();
        assert_eq!((run.outcome.trials, run.outcome.failed), (4, 0));
        let best = run.outcome.best.unwrap().metrics["rmse"];
        assert!(
            best < 0.9 * baseline,
            "RMSE {best} against the mean's {baseline}"
        );
        let journal = modnas::run::read_journal(tmp.path()).unwrap();
        assert!(journal.iter().all(|t| t.metrics.contains_key("params")));
    }

    #[test]
    fn trials_trained_by_burn_trains_learner_beat_predicting_the_mean() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let (run, baseline) = search(2, tmp.path(), RunMode::New, true).unwrap();
        assert_eq!((run.outcome.trials, run.outcome.failed), (2, 0));
        let best = run.outcome.best.unwrap().metrics["rmse"];
        assert!(
            best < 0.9 * baseline,
            "RMSE {best} against the mean's {baseline}"
        );
        // The Learner kept its own records of each trial.
        assert!(tmp.path().join("learner/trial-0").is_dir());
    }

    #[test]
    fn darts_derives_an_mlp_that_beats_predicting_the_mean() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let data = load().unwrap();
        let found = darts::search(30, tmp.path(), &data).unwrap();
        let (first, last) = found.supernet_rmse;
        assert!(
            last < 0.9 * first,
            "the supernet trains: RMSE {first} → {last}"
        );
        let baseline = baseline_rmse(&data);
        assert!(
            found.derived_rmse < 0.85 * baseline,
            "derived MLP RMSE {} against the mean's {baseline}",
            found.derived_rmse
        );
        assert_eq!(found.arch.len(), 4, "two hidden layers and two activations");
        let alphas = std::fs::read_to_string(tmp.path().join(modnas::run::ALPHAS_FILE)).unwrap();
        assert_eq!(alphas.lines().count(), 30);
        let last: serde_json::Value = serde_json::from_str(alphas.lines().last().unwrap()).unwrap();
        let strongest = last["params"]["blocks.0.act"]
            .as_object()
            .unwrap()
            .values()
            .map(|w| w.as_f64().unwrap())
            .fold(0.0, f64::max);
        assert!(strongest > 0.5, "α moves away from uniform (1/3): {last}");
    }
}
