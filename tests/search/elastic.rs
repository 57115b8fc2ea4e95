//! Progressive shrinking (OFA) end to end: a tiny MobileNetV2Elastic is trained through its
//! stages, searched by regularized evolution under a FLOPs constraint with inherited weights,
//! and a run interrupted in the middle of training resumes to the uninterrupted result.

use crate::common::serial;
use modnas::{run::read_journal, Config, RunMode};

const OFA: &str = r#"
seed = 2
metrics = ["FlopsMetric"]
[data]
type = "Synthetic"
args = { n = 64, classes = 3, size = 8 }
[model]
type = "MobileNetV2Elastic"
args = { width_mult = 0.25, stem = "cifar", max_depth = 2, ratios = [3, 1] }
[optim]
type = "RegularizedEvolutionOptim"
args = { population = 4, sample_size = 2, constraints = [{ metric = "flops", max = 1e12 }] }
[estim.search]
type = "ProgressiveShrinkingEstim"
args = { epochs = 1, stage_epochs = 1, trials = 6, recal_batches = 1, batch_size = 32 }
"#;

#[test]
fn progressive_shrinking_trains_searches_and_resumes() {
    let _serial = serial();
    let cfg = Config::from_toml(OFA, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 6);
    let journal = read_journal(dir.path()).unwrap();
    assert_eq!(journal.len(), 6);
    // The largest network, then depth {2, 1}, then ratio {3, 1}: 3 epochs.
    let state = std::fs::read_to_string(dir.path().join("checkpoint/state.toml")).unwrap();
    assert!(state.contains("epochs_done = 3"), "{state}");
    // Sub-networks of different sizes were evaluated, each with its own FLOPs.
    let flops: std::collections::BTreeSet<u64> =
        journal.iter().map(|t| t.metrics["flops"] as u64).collect();
    assert!(flops.len() > 1, "{flops:?}");

    // The best sub-network is the run's model: standalone, smaller, as accurate as it was
    // evaluated inside the supernet.
    let best = run.outcome.best.clone().unwrap();
    let device = burn::tensor::Device::default().autodiff();
    let subnet = modnas::load_trained(dir.path(), &device).unwrap();
    let data = modnas::estim::data::load_data("Synthetic", &cfg.data.args, cfg.seed).unwrap();
    let trainer = modnas::estim::ImageClsTrainer::new(Default::default()).unwrap();
    let stats = trainer.evaluate(&subnet, &data.valid, &device);
    assert!(
        (stats.acc - best.metrics["acc"]).abs() < 1e-9,
        "{} vs {:?}",
        stats.acc,
        best
    );
    let model = std::fs::read_to_string(dir.path().join("model.toml")).unwrap();
    assert!(model.contains("exported = true"), "{model}");

    // Interrupted after the second epoch: the newest checkpoint and the search are lost.
    std::fs::remove_dir_all(dir.path().join("checkpoint")).unwrap();
    std::fs::write(dir.path().join("trials.jsonl"), "").unwrap();
    let resumed = modnas::run_search(&cfg, dir.path(), RunMode::Resume, &mut |_| {}).unwrap();
    assert_eq!(resumed.outcome.trials, 6);
    let again = read_journal(dir.path()).unwrap();
    for (a, b) in journal.iter().zip(&again) {
        assert_eq!(a.arch, b.arch);
        for key in ["acc", "flops"] {
            assert!(
                (a.metrics[key] - b.metrics[key]).abs() < 1e-9,
                "{key}: {a:?} vs {b:?}"
            );
        }
    }
}

#[test]
fn progressive_shrinking_needs_an_elastic_or_single_path_supernet() {
    let _serial = crate::common::serial();
    let text = OFA
        .replace("MobileNetV2Elastic", "ConvNet")
        .replace(
            "args = { width_mult = 0.25, stem = \"cifar\", max_depth = 2, ratios = [3, 1] }",
            "args = { channels = [4], strides = [1] }\n[construct.args]\ncandidates = [\"NC3\", \"NC5\"]",
        );
    let cfg = Config::from_toml(&text, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = crate::common::new_run(&cfg, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("or of elastic groups"), "{err}");
}

#[test]
fn an_elastic_supernet_record_round_trips_at_any_configuration() {
    use burn::module::Module;
    use burn::tensor::{Device, Distribution, Tensor};
    use modnas::construct::{construct, CandidateSets, NasModule};
    use modnas::models::{MobileNetV2ElasticConfig, Stem};
    use modnas::param_space::ArchDesc;
    let _serial = serial();
    let device = Device::default();
    let build = || {
        let net = MobileNetV2ElasticConfig::new(3, 4, 8)
            .with_width_mult(0.25)
            .with_stem(Stem::Cifar)
            .with_max_depth(2)
            .with_ratios(vec![3, 1])
            .init(&device)
            .unwrap();
        construct(net, &CandidateSets::default(), &device).unwrap()
    };
    device.seed(7);
    let saved = build();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("supernet.bpk");
    saved.model.clone().save_file(&file).unwrap();
    device.seed(8);
    let mut loaded = build();
    loaded.model = loaded.model.try_load_file(&file).unwrap();
    let mut saved = saved;
    let arch: ArchDesc = [("s2.depth", 1i64), ("s3.b0.ratio", 1), ("s6.b0.ratio", 1)]
        .into_iter()
        .collect();
    saved.apply(&arch).unwrap();
    loaded.apply(&arch).unwrap();
    let x = Tensor::<4>::random([2, 3, 8, 8], Distribution::Normal(0.0, 1.0), &device);
    let diff: f32 = (NasModule::forward(&saved.model, x.clone())
        - NasModule::forward(&loaded.model, x))
    .abs()
    .max()
    .into_scalar();
    assert_eq!(diff, 0.0);
}
