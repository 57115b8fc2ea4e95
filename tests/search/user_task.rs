//! A registered task of the user's own — a regression model over batches of two inputs
//! (values and a missing-value mask) with float targets — searched from TOML by random search,
//! regularized evolution and DARTS with nothing but the config changed; what does not apply
//! to a task is refused by key.

use crate::common::serial;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use modnas::construct::Slot;
use modnas::core::MetricMap;
use modnas::estim::{register_task, Batches, EstimError, Task, TaskData};
use modnas::run::{read_journal, ALPHAS_FILE};
use modnas::{resume_search, run_search, Config, RunMode};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The user's model: masked inputs, a linear layer, a searched activation, dropout, a linear
/// head.
#[derive(Module, Debug)]
struct MaskedMlp {
    input: Linear,
    act: Slot,
    drop: Dropout,
    output: Linear,
}

/// Two inputs and a float target.
#[derive(Clone, Debug)]
struct Rows {
    x: Tensor<2>,
    mask: Tensor<2>,
    y: Tensor<2>,
}

/// `y = x0² + |x1|` over observed features; `rows` of them, `width` hidden units.
#[modnas::core::nas_config]
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MaskedRegression {
    rows: usize,
    #[config(default = 16)]
    width: usize,
    /// Dropout before the head (none by default).
    #[serde(default)]
    dropout: f64,
}

impl MaskedRegression {
    fn batches(&self, seed: u64, device: &Device) -> Vec<Rows> {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = self.rows;
        let x: Vec<f32> = (0..n * 3).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mask: Vec<f32> = (0..n * 3)
            .map(|_| f32::from(rng.random_bool(0.9)))
            .collect();
        let seen = |i: usize, j: usize| x[i * 3 + j] * mask[i * 3 + j];
        let y: Vec<f32> = (0..n)
            .map(|i| seen(i, 0).powi(2) + seen(i, 1).abs())
            .collect();
        let t = |v: Vec<f32>, cols| Tensor::from_data(TensorData::new(v, [n, cols]), device);
        let all = Rows {
            x: t(x.clone(), 3),
            mask: t(mask.clone(), 3),
            y: t(y, 1),
        };
        (0..n.div_ceil(16))
            .map(|b| {
                let r = b * 16..(b * 16 + 16).min(n);
                Rows {
                    x: all.x.clone().slice([r.clone(), 0..3]),
                    mask: all.mask.clone().slice([r.clone(), 0..3]),
                    y: all.y.clone().slice([r, 0..1]),
                }
            })
            .collect()
    }
}

impl Task for MaskedRegression {
    type Model = MaskedMlp;
    type Batch = Rows;

    fn model(&self, device: &Device) -> Result<MaskedMlp, EstimError> {
        Ok(MaskedMlp {
            input: LinearConfig::new(3, self.width).init(device),
            act: Slot::dense(self.width, self.width),
            drop: DropoutConfig::new(self.dropout).init(),
            output: LinearConfig::new(self.width, 1).init(device),
        })
    }

    fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Rows>, EstimError> {
        let data = TaskData::new(self.batches(1, device), self.batches(2, device));
        Ok(data.with_test(self.batches(3, device)))
    }

    fn loss(&self, m: &MaskedMlp, b: &Rows) -> Result<Tensor<1>, EstimError> {
        let h = m
            .act
            .forward_dense(m.input.forward(b.x.clone() * b.mask.clone()));
        let d = m.output.forward(m.drop.forward(h)) - b.y.clone();
        Ok((d.clone() * d).mean())
    }

    fn evaluate(&self, m: &MaskedMlp, valid: &dyn Batches<Rows>) -> Result<MetricMap, EstimError> {
        let (mut sum, mut n) = (0.0, 0);
        for b in valid.epoch() {
            sum += self.loss(m, &b?)?.into_scalar::<f64>();
            n += 1;
        }
        Ok(MetricMap::from([("mse".to_string(), sum / n as f64)]))
    }

    fn optimizer(&self) -> (burn::optim::ModuleOptimizer, f64) {
        (burn::optim::AdamConfig::new().init(), 1e-2)
    }
}

register_task!(
    /// a regression task of the tests
    "MaskedRegression", MaskedRegression
);

pub(crate) const TASK: &str = r#"
seed = 3
[task]
type = "MaskedRegression"
args = { rows = 96 }
[construct.args]
candidates = ["IDT", "RELU", "GELU", "SILU", "LIN"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 8, trials = 3, objective = "mse", mode = "min" }
"#;

#[test]
fn random_search_and_evolution_search_a_registered_task_from_toml() {
    let _serial = serial();
    for optim in [
        "optim.type=\"RandomSearchOptim\"",
        "optim.args={ population = 2, sample_size = 1 }",
    ] {
        let mut o = vec![optim.to_string()];
        if optim.starts_with("optim.args") {
            o.push("optim.type=\"RegularizedEvolutionOptim\"".into());
        }
        let cfg = Config::from_toml(TASK, &o).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
        assert_eq!((run.outcome.trials, run.outcome.failed), (3, 0), "{optim}");
        for t in read_journal(dir.path()).unwrap() {
            for key in ["mse", "train_loss", "params"] {
                assert!(
                    t.metrics[key].is_finite(),
                    "{optim}: {key} in {:?}",
                    t.metrics
                );
            }
            assert!(t.arch.get("act").is_some());
        }
        // The run directory's config reads back: the run resumes, evaluating only the new trial.
        let more = resume_search(
            dir.path(),
            &["estim.search.args.trials=4".into()],
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(more.outcome.trials, 4, "{optim}");
        assert_eq!(read_journal(dir.path()).unwrap().len(), 4);
    }
}

#[test]
fn darts_searches_a_registered_task_from_toml() {
    let _serial = serial();
    let overrides: Vec<String> = [
        "construct.args.mixed_op=\"DARTSMixedOp\"",
        "construct.args.candidates=[\"IDT\", \"RELU\", \"GELU\"]",
        "optim.type=\"DARTSOptim\"",
        "optim.args={ lr = 0.05 }",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 6, objective = \"mse\", mode = \"min\" }",
    ]
    .map(String::from)
    .to_vec();
    let cfg = Config::from_toml(TASK, &overrides).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!(run.outcome.trials, 6, "one trial per epoch");
    let journal = read_journal(dir.path()).unwrap();
    let (first, last) = (journal[0].metrics["mse"], journal[5].metrics["mse"]);
    assert!(
        last < 0.7 * first,
        "the supernet trains: MSE {first} → {last}"
    );
    let alphas = std::fs::read_to_string(dir.path().join(ALPHAS_FILE)).unwrap();
    let last: serde_json::Value = serde_json::from_str(alphas.lines().last().unwrap()).unwrap();
    let identity = last["params"]["act"]["IDT"].as_f64().unwrap();
    assert!(identity < 1.0 / 3.0 - 0.02, "α leaves the identity: {last}");
}

#[test]
fn spos_searches_a_registered_tasks_subnetworks_with_inherited_weights() {
    let _serial = serial();
    let overrides: Vec<String> = [
        "construct.args.mixed_op=\"IndexMixedOp\"",
        "optim.type=\"RegularizedEvolutionOptim\"",
        "optim.args={ population = 2, sample_size = 1 }",
        "estim.search.type=\"SPOSEstim\"",
        "estim.search.args={ epochs = 6, trials = 4, recal_batches = 1, objective = \"mse\", mode = \"min\" }",
    ]
    .map(String::from)
    .to_vec();
    let cfg = Config::from_toml(TASK, &overrides).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (4, 0));
    let journal = read_journal(dir.path()).unwrap();
    let mse: Vec<f64> = journal.iter().map(|t| t.metrics["mse"]).collect();
    assert!(mse.iter().all(|m| m.is_finite()), "{mse:?}");
    let archs: std::collections::HashSet<String> =
        journal.iter().map(|t| t.arch.summary()).collect();
    assert_eq!(archs.len(), 4, "four sub-networks of the one supernet");
    // The shared weights were trained: the best sub-network beats predicting zero, whose
    // MSE is the target's mean square (about 0.75 for x0² + |x1| over [-1, 1], 10 % masked).
    let best = mse.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(best < 0.3, "best inherited-weight MSE {best}");
}

#[test]
fn what_does_not_apply_to_a_task_is_refused_by_key() {
    let _serial = serial();
    let error = |extra: &[&str]| -> String {
        let o: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let dir = tempfile::tempdir().unwrap();
        match Config::from_toml(TASK, &o) {
            Err(e) => e.to_string(),
            Ok(cfg) => run_search(&cfg, dir.path(), RunMode::New, &mut |_| {})
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
        }
    };
    let model = error(&["model.type=\"ConvNet\""]);
    assert!(
        model.contains("`model`") && model.contains("[task]"),
        "{model}"
    );
    let unknown = error(&["task.type=\"MaskedRegresion\""]);
    assert!(
        unknown.contains("MaskedRegression"),
        "lists the known tasks: {unknown}"
    );
    let args = error(&["task.args.rowz=3"]);
    assert!(args.contains("task") && args.contains("rowz"), "{args}");
    let hptune = error(&[
        "estim.search.type=\"HPTuneEstim\"",
        "estim.search.args={ trials = 1, config = \"nested.toml\" }",
    ]);
    assert!(
        hptune.contains("HPTuneEstim") && hptune.contains("CARSEstim"),
        "{hptune}"
    );
    let shrink_plain_slots = error(&["estim.search.type=\"ProgressiveShrinkingEstim\""]);
    assert!(
        shrink_plain_slots.contains("ProgressiveShrinkingEstim")
            && shrink_plain_slots.contains("elastic layers"),
        "{shrink_plain_slots}"
    );
    let spos_lr = error(&[
        "construct.args.mixed_op=\"IndexMixedOp\"",
        "estim.search.type=\"SPOSEstim\"",
        "estim.search.args={ lr = 0.1, objective = \"mse\", mode = \"min\" }",
    ]);
    assert!(spos_lr.contains("[lr]"), "{spos_lr}");
    let no_single_path = error(&["estim.search.type=\"SPOSEstim\""]);
    assert!(no_single_path.contains("IndexMixedOp"), "{no_single_path}");
    let lr = error(&[
        "construct.args.mixed_op=\"DARTSMixedOp\"",
        "optim.type=\"DARTSOptim\"",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 1, lr = 0.1, objective = \"mse\", mode = \"min\" }",
    ]);
    assert!(
        lr.contains("[lr]") && lr.contains("Task::optimizer"),
        "{lr}"
    );
}

#[test]
fn cars_and_progressive_shrinking_search_a_registered_task() {
    let _serial = serial();
    let single_path = |estim: &str, args: &str| -> Vec<String> {
        [
            "construct.args.mixed_op=\"IndexMixedOp\"".to_string(),
            "optim.type=\"RegularizedEvolutionOptim\"".into(),
            "optim.args={ population = 2, sample_size = 1 }".into(),
            format!("estim.search.type=\"{estim}\""),
            format!("estim.search.args={{ {args}, recal_batches = 1, objective = \"mse\", mode = \"min\" }}"),
        ]
        .to_vec()
    };
    for overrides in [
        single_path(
            "CARSEstim",
            "epochs = 3, trials = 4, round_trials = 2, round_epochs = 2",
        ),
        // The slot's candidates released one by one, in the order of `candidates`.
        single_path(
            "ProgressiveShrinkingEstim",
            "epochs = 3, stage_epochs = 1, phases = [\"act\"], trials = 4",
        ),
    ] {
        let cfg = Config::from_toml(TASK, &overrides).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
        assert_eq!(
            (run.outcome.trials, run.outcome.failed),
            (4, 0),
            "{overrides:?}"
        );
        let mse: Vec<f64> = read_journal(dir.path())
            .unwrap()
            .iter()
            .map(|t| t.metrics["mse"])
            .collect();
        let best = mse.iter().cloned().fold(f64::INFINITY, f64::min);
        // Predicting zero scores about 0.75 (see the SPOS test): the shared weights trained.
        assert!(best < 0.4, "{overrides:?}: inherited-weight MSE {mse:?}");
    }
}

#[test]
fn the_found_architecture_of_a_task_is_retrained_and_tested_by_default_estim() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let search = dir.path().join("search");
    let cfg = Config::from_toml(TASK, &[]).unwrap();
    let run = run_search(&cfg, &search, RunMode::New, &mut |_| {}).unwrap();
    let found = run.outcome.best.unwrap();
    assert!(
        !found.metrics.contains_key("test_mse"),
        "the search never scores the test batches"
    );
    let best_file = search.join("best.toml").display().to_string();
    let augment = [
        "estim.search.type=\"DefaultEstim\"".to_string(),
        format!("estim.search.args={{ epochs = 20, arch = {best_file:?}, objective = \"mse\", mode = \"min\" }}"),
    ];
    let cfg = Config::from_toml(TASK, &augment).unwrap();
    let out = dir.path().join("augment");
    let run = run_search(&cfg, &out, RunMode::New, &mut |_| {}).unwrap();
    let trained = run.outcome.best.unwrap();
    assert_eq!(trained.arch, found.arch);
    for key in ["mse", "test_mse", "train_loss", "params"] {
        assert!(
            trained.metrics[key].is_finite(),
            "{key}: {:?}",
            trained.metrics
        );
    }
    assert!(
        trained.metrics["mse"] < found.metrics["mse"],
        "20 epochs improve on the search's 8: {:?} vs {:?}",
        trained.metrics,
        found.metrics
    );
    // An architecture outside the task's space is refused, naming the file.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "act = \"TANH\"\n").unwrap();
    let augment = [
        "estim.search.type=\"DefaultEstim\"".to_string(),
        format!(
            "estim.search.args={{ arch = {:?}, objective = \"mse\", mode = \"min\" }}",
            bad.display().to_string()
        ),
    ];
    let cfg = Config::from_toml(TASK, &augment).unwrap();
    let err = run_search(&cfg, &dir.path().join("bad"), RunMode::New, &mut |_| {})
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("bad.toml") && err.contains("TANH"), "{err}");
}

#[test]
fn hptune_tunes_a_tasks_arguments_through_nested_task_runs() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("task.toml");
    std::fs::write(&nested, TASK.replace("trials = 3", "trials = 2")).unwrap();
    let tune = format!(
        r#"seed = 1
[space.params]
"task.args.width" = {{ type = "Categorical", choices = [2, 16] }}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "HPTuneEstim"
args = {{ config = {:?}, trials = 2, objective = "mse", mode = "min" }}
"#,
        nested.display().to_string()
    );
    let cfg = Config::from_toml(&tune, &[]).unwrap();
    let out = dir.path().join("tune");
    let run = run_search(&cfg, &out, RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (2, 0));
    let journal = read_journal(&out).unwrap();
    for t in &journal {
        // Each trial is a nested search of the task: the best of its own two trials.
        assert!(t.metrics["mse"].is_finite(), "{:?}", t.metrics);
        let width = t.arch.get("task.args.width").unwrap().to_string();
        let nested_dir = out.join(format!("hptune/trial-{:04}", t.index));
        let recorded = std::fs::read_to_string(nested_dir.join("config.toml")).unwrap();
        assert!(recorded.contains(&format!("width = {width}")), "{recorded}");
        assert_eq!(read_journal(&nested_dir).unwrap().len(), 2);
    }
}

#[test]
fn a_missing_objective_and_image_only_keys_are_refused_before_the_run_directory_is_written() {
    let _serial = serial();
    let cases: [(&[&str], &str); 2] = [
        (
            &["estim.search.args={ epochs = 8, trials = 3 }"],
            "`acc` is not among the metrics of `MaskedRegression`: [",
        ),
        (
            &[
                "construct.args.mixed_op=\"IndexMixedOp\"",
                "estim.search.type=\"SPOSEstim\"",
                "estim.search.args={ lr = 0.1, objective = \"mse\", mode = \"min\" }",
            ],
            "[lr] do not apply",
        ),
    ];
    for (overrides, expected) in cases {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        let cfg = Config::from_toml(TASK, &o).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let err = run_search(&cfg, &out, RunMode::New, &mut |_| {})
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(expected), "{err}");
        assert!(!out.exists(), "{overrides:?}: nothing written");
    }
}
