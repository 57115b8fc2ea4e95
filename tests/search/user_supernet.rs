//! `FunctionalSuperNet`: DARTS and kin over a user's regression model, fed by a Burn
//! `DataLoader` whose `Batcher` gives two inputs (values and a missing-value mask) and float
//! targets, with the user's MSE loss and Adam on the weights.

use crate::common::serial;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor, TensorData};
use modnas::construct::{construct, list_slots, CandidateSets, Slot};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::run::{read_journal, ALPHAS_FILE};
use modnas::{FunctionalSuperNet, RunMode};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::Arc;

const CANDIDATES: [&str; 3] = ["IDT", "RELU", "GELU"];

/// A user's regression network: masked inputs, a linear layer, a searched activation, a
/// linear head.
#[derive(Module, Debug)]
struct RegNet {
    input: Linear,
    act: Slot,
    output: Linear,
}

impl RegNet {
    fn new(device: &Device) -> Self {
        Self {
            input: LinearConfig::new(3, 16).init(device),
            act: Slot::dense(16, 16),
            output: LinearConfig::new(16, 1).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>, mask: Tensor<2>) -> Tensor<2> {
        let h = self.input.forward(x * mask);
        self.output.forward(self.act.forward_dense(h))
    }
}

/// One row: three features, which of them are observed, and the target.
#[derive(Clone, Debug)]
struct Row {
    x: [f32; 3],
    mask: [f32; 3],
    y: f32,
}

/// The user's batch: two inputs and a float target.
#[derive(Clone, Debug)]
struct RowBatch {
    x: Tensor<2>,
    mask: Tensor<2>,
    y: Tensor<2>,
}

#[derive(Clone)]
struct RowBatcher;

impl Batcher<Row, RowBatch> for RowBatcher {
    fn batch(&self, rows: Vec<Row>, device: &Device) -> RowBatch {
        let n = rows.len();
        let flat = |f: fn(&Row) -> [f32; 3]| rows.iter().flat_map(f).collect::<Vec<f32>>();
        RowBatch {
            x: Tensor::from_data(TensorData::new(flat(|r| r.x), [n, 3]), device),
            mask: Tensor::from_data(TensorData::new(flat(|r| r.mask), [n, 3]), device),
            y: Tensor::from_data(
                TensorData::new(rows.iter().map(|r| r.y).collect::<Vec<_>>(), [n, 1]),
                device,
            ),
        }
    }
}

/// `y = x0² + |x1|` over observed features (a missing one reads as 0), 10 % missing.
fn rows(n: usize, seed: u64) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let x: [f32; 3] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
            let mask: [f32; 3] = std::array::from_fn(|_| f32::from(rng.random_bool(0.9)));
            let seen = |i: usize| x[i] * mask[i];
            Row {
                x,
                mask,
                y: seen(0) * seen(0) + seen(1).abs(),
            }
        })
        .collect()
}

fn loader(rows: Vec<Row>, device: &Device, seed: u64) -> Arc<dyn DataLoader<RowBatch>> {
    DataLoaderBuilder::new(RowBatcher)
        .batch_size(16)
        .shuffle(seed)
        .set_device(device.clone())
        .build(InMemDataset::new(rows))
}

fn mse(net: &RegNet, b: &RowBatch) -> Tensor<1> {
    let d = net.forward(b.x.clone(), b.mask.clone()) - b.y.clone();
    (d.clone() * d).mean()
}

/// Validation MSE of an inference copy, on the plain device.
fn valid_mse(net: &RegNet, valid: &RowBatch) -> Result<MetricMap, EstimError> {
    Ok(MetricMap::from([(
        "mse".to_string(),
        mse(net, valid).into_scalar::<f64>(),
    )]))
}

#[test]
fn a_regression_supernet_trains_alpha_and_lowers_validation_mse() {
    let _serial = serial();
    let device = Device::default().autodiff();
    device.seed(3);
    let sets = CandidateSets::mixed("DARTSMixedOp", CANDIDATES);
    let supernet = construct(RegNet::new(&device), &sets, &device).unwrap();
    let train = loader(rows(192, 1), &device, 1);
    let arch = loader(rows(96, 2), &device, 2);
    let valid = RowBatcher.batch(rows(128, 3), &device.clone().inner());
    let before = valid_mse(&supernet.model.valid(), &valid).unwrap()["mse"];

    let dir = tempfile::tempdir().unwrap();
    // DARTS's α learning rate (3·10⁻⁴) is set for 50 epochs of CIFAR-10; 72 steps need more.
    let args = toml::from_str("lr = 0.05").unwrap();
    let run = FunctionalSuperNet::new("DARTSOptim", args)
        .epochs(6)
        .objective("mse", false)
        .weight_optimizer(AdamConfig::new().init(), 1e-2, 0.0)
        .callback("EventLog", toml::Table::new())
        .run(
            dir.path(),
            RunMode::New,
            supernet,
            (&train, &arch),
            |net, b| Ok(mse(net, b)),
            |net| valid_mse(net, &valid),
        )
        .unwrap();

    // The callback saw the run: its start, each epoch's trial and α, its end, in order.
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let events: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .filter(|e| !e.contains("checkpoint_written"))
        .collect();
    let epoch = ["\"trial_finished\"", "\"supernet_epoch\""].map(String::from);
    let expected: Vec<String> = std::iter::once("\"run_started\"".to_string())
        .chain(std::iter::repeat_n(epoch, 6).flatten())
        .chain(std::iter::once("\"run_ended\"".to_string()))
        .collect();
    assert_eq!(events, expected);

    let after = run.outcome.best.as_ref().unwrap().metrics["mse"];
    assert!(
        after < 0.5 * before,
        "validation MSE {before} → {after}: the supernet's weights train"
    );
    let journal = read_journal(dir.path()).unwrap();
    assert_eq!(journal.len(), 6, "one trial per epoch");
    assert!(journal.iter().all(|t| t.metrics["train_loss"].is_finite()));
    let alphas = std::fs::read_to_string(dir.path().join(ALPHAS_FILE)).unwrap();
    let last: serde_json::Value = serde_json::from_str(alphas.lines().last().unwrap()).unwrap();
    let weights = &last["params"]["act"];
    let identity = weights["IDT"].as_f64().unwrap();
    let nonlinear = weights["RELU"].as_f64().unwrap() + weights["GELU"].as_f64().unwrap();
    assert!(
        identity < 1.0 / 3.0 - 0.02 && nonlinear > 2.0 / 3.0 + 0.02,
        "α moves from the linear identity to a non-linearity on a non-linear target: {weights}"
    );
    let chosen = run.arch.get("act").and_then(|v| v.as_str()).unwrap();
    assert_ne!(chosen, "IDT");

    // The derived architecture builds the user's plain model, to be trained from scratch.
    let mut plain = construct(
        RegNet::new(&device),
        &CandidateSets::uniform(CANDIDATES),
        &device,
    )
    .unwrap();
    plain.apply(&run.arch).unwrap();
    let slots = list_slots(&plain.model);
    assert_eq!(slots[0].entity.as_deref(), Some(chosen));
    let y = plain.model.forward(valid.x.clone(), valid.mask.clone());
    assert_eq!(y.dims(), [128, 1]);
}

#[test]
fn one_level_and_sampling_optimizers_search_the_same_model() {
    let _serial = serial();
    let device = Device::default().autodiff();
    let batches = vec![RowBatcher.batch(rows(32, 5), &device)];
    let valid = RowBatcher.batch(rows(32, 6), &device.clone().inner());
    for (optim, mixed) in [
        ("DirectGradOptim", "DARTSMixedOp"),
        ("SNASOptim", "GumbelSumMixedOp"),
        ("GDASOptim", "GumbelMaxMixedOp"),
    ] {
        device.seed(4);
        let sets = CandidateSets::mixed(mixed, CANDIDATES);
        let supernet = construct(RegNet::new(&device), &sets, &device).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let run = FunctionalSuperNet::new(optim, toml::Table::new())
            .epochs(2)
            .objective("mse", false)
            .run(
                dir.path(),
                RunMode::New,
                supernet,
                (&batches, &batches),
                |net, b| Ok(mse(net, b)),
                |net| valid_mse(net, &valid),
            )
            .unwrap();
        assert_eq!(run.outcome.trials, 2, "{optim}");
        let chosen = run.arch.get("act").and_then(|v| v.as_str()).unwrap();
        assert!(CANDIDATES.contains(&chosen), "{optim}: {chosen}");
        let alphas = std::fs::read_to_string(dir.path().join(ALPHAS_FILE)).unwrap();
        assert_eq!(alphas.lines().count(), 2, "{optim}");
    }
}

#[test]
fn discrete_optimizers_missing_metrics_and_resuming_no_run_are_refused_by_name() {
    let _serial = serial();
    let device = Device::default().autodiff();
    let sets = CandidateSets::mixed("DARTSMixedOp", CANDIDATES);
    let batches = vec![RowBatcher.batch(rows(8, 7), &device)];
    let dir = tempfile::tempdir().unwrap();
    let attempt = |optim: &str, mode: RunMode, metric: &'static str| {
        let supernet = construct(RegNet::new(&device), &sets, &device).unwrap();
        FunctionalSuperNet::new(optim, toml::Table::new())
            .epochs(1)
            .objective("mse", false)
            .run(
                dir.path(),
                mode,
                supernet,
                (&batches, &batches),
                |net, b| Ok(mse(net, b)),
                |_| Ok(MetricMap::from([(metric.to_string(), 1.0)])),
            )
            .err()
            .map(|e| e.to_string())
    };
    let discrete = attempt("RandomSearchOptim", RunMode::New, "mse").unwrap();
    assert!(
        discrete.contains("optim.type") && discrete.contains("DARTSOptim"),
        "{discrete}"
    );
    let resume = attempt("DARTSOptim", RunMode::Resume, "mse").unwrap();
    assert!(resume.contains("not a modnas run directory"), "{resume}");
    let missing = attempt("DARTSOptim", RunMode::Overwrite, "rmse").unwrap();
    assert!(
        missing.contains("`mse`") && missing.contains("rmse"),
        "{missing}"
    );
}

/// The same model and `Batcher` as a registered task: its batches come from Burn
/// `DataLoader`s, so SubNetEstim and SuperNetEstim both read the user's two-input batches.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TwoInputRegression {
    rows: usize,
}

impl modnas::estim::Task for TwoInputRegression {
    type Model = RegNet;
    type Batch = RowBatch;

    fn model(&self, device: &Device) -> Result<RegNet, EstimError> {
        Ok(RegNet::new(device))
    }

    fn data(
        &self,
        device: &Device,
        seed: u64,
    ) -> Result<modnas::estim::TaskData<RowBatch>, EstimError> {
        Ok(modnas::estim::TaskData::new(
            loader(rows(self.rows, 1), device, seed),
            loader(rows(self.rows / 2, 2), device, seed),
        ))
    }

    fn loss(&self, net: &RegNet, b: &RowBatch) -> Result<Tensor<1>, EstimError> {
        Ok(mse(net, b))
    }

    fn evaluate(
        &self,
        net: &RegNet,
        valid: &dyn modnas::estim::Batches<RowBatch>,
    ) -> Result<MetricMap, EstimError> {
        let mut scores = modnas::estim::RegressionScores::default();
        for b in valid.epoch() {
            let b = b?;
            scores.add(net.forward(b.x, b.mask), b.y);
        }
        Ok(scores.finish())
    }

    fn optimizer(&self) -> (burn::optim::ModuleOptimizer, f64) {
        (AdamConfig::new().init(), 1e-2)
    }
}

modnas::estim::register_task!(
    /// a regression task of the tests
    "TwoInputRegression", TwoInputRegression
);

#[test]
fn a_two_input_batcher_drives_subnet_and_supernet_searches_of_a_task() {
    let _serial = serial();
    let toml = r#"
seed = 6
[task]
type = "TwoInputRegression"
args = { rows = 96 }
[construct.args]
candidates = ["IDT", "RELU", "GELU"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 10, trials = 3, objective = "mse", mode = "min" }
"#;
    let darts: Vec<String> = [
        "construct.args.mixed_op=\"DARTSMixedOp\"",
        "optim.type=\"DARTSOptim\"",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 10, objective = \"mse\", mode = \"min\" }",
    ]
    .map(String::from)
    .to_vec();
    for overrides in [vec![], darts] {
        let cfg = modnas::Config::from_toml(toml, &overrides).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let run = modnas::run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
        assert_eq!(run.outcome.failed, 0, "{overrides:?}");
        let journal = read_journal(dir.path()).unwrap();
        let best = journal
            .iter()
            .map(|t| t.metrics["mse"])
            .fold(f64::INFINITY, f64::min);
        // Predicting zero scores about 0.75 (the target's mean square).
        assert!(best < 0.3, "{overrides:?}: best MSE {best}");
        assert!(journal.iter().all(|t| t.metrics["r2"].is_finite()));
    }
}

#[test]
fn a_functional_supernet_resumes_from_its_last_checkpoint() {
    let _serial = serial();
    let device = Device::default().autodiff();
    let sets = CandidateSets::mixed("DARTSMixedOp", CANDIDATES);
    let (train, valid) = (
        vec![RowBatcher.batch(rows(32, 1), &device)],
        vec![RowBatcher.batch(rows(32, 2), &device)],
    );
    let dir = tempfile::tempdir().unwrap();
    let run = |mode: RunMode| {
        device.seed(3);
        let supernet = construct(RegNet::new(&device), &sets, &device).unwrap();
        FunctionalSuperNet::new("DARTSOptim", toml::Table::new())
            .epochs(4)
            .objective("mse", false)
            .weight_optimizer(AdamConfig::new().init(), 0.01, 0.0)
            .run(
                dir.path(),
                mode,
                supernet,
                (&train, &valid),
                |net, b| Ok(mse(net, b)),
                |net| valid_mse(net, &RowBatcher.batch(rows(32, 2), &net.devices()[0])),
            )
            .unwrap()
    };
    let first = run(RunMode::New);
    let undisturbed = read_journal(dir.path()).unwrap();
    // Killed after the third epoch's checkpoint: the journal holds three epochs.
    std::fs::remove_dir_all(dir.path().join("checkpoint")).unwrap();
    let journal = dir.path().join("trials.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(
        &journal,
        text.lines().take(3).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let resumed = run(RunMode::Resume);
    assert_eq!(resumed.outcome.trials, 4);
    let again = read_journal(dir.path()).unwrap();
    assert_eq!(again.len(), 4);
    assert_eq!(resumed.arch, first.arch);
    let (a, b) = (undisturbed[3].metrics["mse"], again[3].metrics["mse"]);
    assert!(
        (a - b).abs() < 1e-9,
        "the fourth epoch as undisturbed: {a} vs {b}"
    );
}
