//! End-to-end searches on synthetic data: trial records, best arch, budgets, determinism.

use crate::common::serial;
use modnas::{run_search, Config};

/// A random search of 4 trials over the 2 slots of a small ConvNet on synthetic data.
pub(crate) const BASE: &str = r#"
seed = 3
[data]
type = "Synthetic"
args = { n = 48, classes = 3, size = 6 }
[model]
type = "ConvNet"
args = { channels = [4, 8], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 4 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn random_search_writes_four_trials_and_a_best_arch() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(BASE, &[]).unwrap();
    let mut seen = 0;
    let run = run_search(&cfg, dir.path(), modnas::RunMode::New, &mut |_| seen += 1).unwrap();
    assert_eq!(seen, 4);
    assert_eq!(run.outcome.trials, 4);
    let trials = lines(&dir.path().join("trials.jsonl"));
    assert_eq!(trials.len(), 4);
    for t in &trials {
        for key in ["acc", "loss", "params", "flops"] {
            assert!(t["metrics"][key].is_number(), "{key} in {t}");
        }
        assert_eq!(t["arch"].as_object().unwrap().len(), 2);
    }
    let archs: std::collections::HashSet<String> =
        trials.iter().map(|t| t["arch"].to_string()).collect();
    assert_eq!(archs.len(), 4, "random search does not repeat");
    let best = run.outcome.best.unwrap();
    let max_acc = trials
        .iter()
        .map(|t| t["metrics"]["acc"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert_eq!(best.metrics["acc"], max_acc);
    let best_toml: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("best.toml")).unwrap()).unwrap();
    assert_eq!(best_toml["index"].as_integer(), Some(best.index as i64));
    let arch =
        modnas::param_space::ArchDesc::from_toml(&toml::to_string(&best_toml["arch"]).unwrap())
            .unwrap();
    assert_eq!(arch, best.arch);
    assert!(dir.path().join("config.toml").exists());
}

#[test]
fn same_seed_same_results() {
    let _serial = serial();
    let cfg = Config::from_toml(BASE, &["estim.search.args.trials=2".into()]).unwrap();
    let a = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap();
    let b = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap();
    assert_eq!(
        a.outcome.best.unwrap().metrics,
        b.outcome.best.unwrap().metrics
    );
}

#[test]
fn grid_search_stops_when_the_space_is_exhausted() {
    let _serial = serial();
    let cfg = Config::from_toml(
        BASE,
        &[
            "optim.type=GridSearchOptim".into(),
            "construct.args.candidates=[\"NC3\", \"IDT\"]".into(),
            "estim.search.args.trials=100".into(),
        ],
    )
    .unwrap();
    let run = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap();
    assert_eq!(run.outcome.trials, 4);
    assert_eq!(run.outcome.stop, modnas::estim::StopReason::Exhausted);
}

#[test]
fn default_estim_trains_the_constructed_net_once() {
    let _serial = serial();
    let cfg = Config::from_toml(
        BASE,
        &[
            "estim.search.type=DefaultEstim".into(),
            "estim.search.args={}".into(),
        ],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 1);
    let best = run.outcome.best.unwrap();
    assert_eq!(best.arch.summary(), "convs.0=\"NC3\", convs.1=\"NC3\"");
}

#[test]
fn time_budget_stops_the_search() {
    let _serial = serial();
    let cfg = Config::from_toml(
        BASE,
        &[
            "estim.search.args.trials=100".into(),
            "estim.search.args.max_seconds=1e-9".into(),
        ],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.stop, modnas::estim::StopReason::TimeBudget);
    assert!(run.outcome.trials < 100);
}

#[test]
fn sgd_training_learns_the_synthetic_classes() {
    let _serial = serial();
    let cfg = Config::from_toml(
        BASE,
        &[
            "estim.search.type=DefaultEstim".into(),
            "estim.search.args={ epochs = 8 }".into(),
            "trainer.args={ optimizer = \"sgd\", lr = 0.1, batch_size = 8 }".into(),
        ],
    )
    .unwrap();
    let run = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap();
    let m = run.outcome.best.unwrap().metrics;
    assert!(m["acc"] > 0.9, "3 classes, chance is 0.33: {m:?}");
    assert!(m["train_loss"] < 1.0, "{m:?}");
}

#[test]
fn augmentation_and_normalisation_train_end_to_end() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let overrides: Vec<String> = [
        "data.args.normalize=true",
        "trainer.args.crop_padding=1",
        "trainer.args.flip=true",
        "trainer.args.cutout=2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cfg = Config::from_toml(BASE, &overrides).unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    let best = run.outcome.best.unwrap();
    assert!(best.metrics["acc"] > 0.0 && best.metrics["train_loss"].is_finite());
}

/// A random search of `trials` over a backbone (`[model]` TOML) with `candidates`, on 32
/// synthetic 8×8 RGB images of 3 classes, one epoch per trial.
fn search_backbone(
    model: &str,
    candidates: &str,
    trials: usize,
) -> (tempfile::TempDir, modnas::SearchRun) {
    let text = format!(
        r#"
seed = 1
[data]
type = "Synthetic"
args = {{ n = 32, classes = 3, channels = 3, size = 8 }}
[model]
{model}
[construct.args]
candidates = {candidates}
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 1, trials = {trials} }}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(
        &Config::from_toml(&text, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    (dir, run)
}

#[test]
fn a_resnet_searches_its_block_kernels_from_a_config() {
    let _serial = serial();
    let (_dir, run) = search_backbone(
        "type = \"ResNet\"\nargs = { depth = 18, width = 4, stem = \"cifar\" }",
        "[\"NC3\", \"NC5\", \"NC7\"]",
        2,
    );
    let best = run.outcome.best.unwrap();
    // 8 basic blocks of 2 searchable convolutions.
    assert_eq!(best.arch.iter().count(), 16);
    assert!(best.metrics["acc"].is_finite() && best.metrics["params"] > 0.0);
}

#[test]
fn mobilenet_v2_searches_its_blocks_from_a_config() {
    let _serial = serial();
    let (dir, run) = search_backbone(
        "type = \"MobileNetV2\"\nargs = { width_mult = 0.25, stem = \"cifar\" }",
        "[\"MB3E3\", \"MB5E6\", \"MB7E1\"]",
        3,
    );
    assert_eq!(run.outcome.trials, 3);
    for t in &lines(&dir.path().join("trials.jsonl")) {
        let keys: Vec<&String> = t["arch"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 16);
        assert!(keys.iter().all(|k| k.starts_with("blocks.")), "{keys:?}");
    }
}
