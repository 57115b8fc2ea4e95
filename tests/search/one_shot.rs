//! Batch-norm recalibration and the one-shot estimators (SPOS, CARS).

use crate::common::serial;
use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::{construct, CandidateSets, NetBox};
use modnas::estim::data::{load_data, ImageDataset};
use modnas::estim::{recalibrate_bn, running_stats, ImageClsTrainer, TrialReporter};
use modnas::models::ConvNetConfig;
use modnas::Config;

fn to_vec(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

#[derive(Module, Debug)]
struct TwoBn {
    used: BatchNorm,
    unused: BatchNorm,
}

#[test]
fn recalibration_recomputes_the_statistics_of_the_layers_it_reaches() {
    let _serial = serial();
    let device = Device::default().autodiff();
    device.seed(0);
    let model = TwoBn {
        used: BatchNormConfig::new(3).init(&device),
        unused: BatchNormConfig::new(3).init(&device),
    };
    // Stale statistics from other data.
    for _ in 0..5 {
        let _ = model.used.forward(Tensor::<4>::random(
            [4, 3, 2, 2],
            Distribution::Normal(5.0, 3.0),
            &device,
        ));
        let _ = model.unused.forward(Tensor::<4>::random(
            [4, 3, 2, 2],
            Distribution::Normal(-2.0, 1.0),
            &device,
        ));
    }
    let before = running_stats(&model);
    let x = Tensor::<4>::random([16, 3, 4, 4], Distribution::Normal(1.0, 2.0), &device);
    let model = recalibrate_bn(model, |m| {
        let _ = m.used.forward(x.clone());
    });
    let after = running_stats(&model);
    // The reference: a batch norm whose momentum 1 makes its running stats the batch's.
    let exact = BatchNormConfig::new(3).with_momentum(1.0).init(&device);
    let _ = exact.forward(x.clone());
    let want = running_stats(&exact);
    for (got, want) in after[..2].iter().zip(&want) {
        for (g, w) in to_vec(got.clone()).iter().zip(to_vec(want.clone())) {
            assert!((g - w).abs() < 1e-3 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }
    assert_ne!(to_vec(after[0].clone()), to_vec(before[0].clone()));
    // The layer the forward pass never reached keeps its statistics.
    assert_eq!(to_vec(after[2].clone()), to_vec(before[2].clone()));
    assert_eq!(to_vec(after[3].clone()), to_vec(before[3].clone()));
}

fn synthetic(seed: u64) -> (ImageDataset, ImageDataset) {
    let args = toml::from_str("n = 240\nclasses = 3\nsize = 8").unwrap();
    let d = load_data("Synthetic", &args, seed).unwrap();
    (d.train, d.valid)
}

#[test]
fn recalibration_restores_the_accuracy_of_a_net_with_stale_statistics() {
    let _serial = serial();
    let device = Device::default().autodiff();
    device.seed(2);
    let (train, valid) = synthetic(2);
    let net = ConvNetConfig::new(1, 3)
        .with_channels(vec![8, 8])
        .with_strides(vec![1, 2])
        .init(&device)
        .unwrap();
    let c = construct(net, &CandidateSets::uniform(["NC3"]), &device).unwrap();
    let trainer = ImageClsTrainer::from_args(
        &toml::from_str("optimizer = \"adam\"\nlr = 0.01\nbatch_size = 16").unwrap(),
    )
    .unwrap();
    let (net, _) = trainer
        .train(
            NetBox::new("", c.model),
            &train,
            4,
            &device,
            2,
            &mut TrialReporter::silent(0),
        )
        .unwrap();
    let good = trainer.evaluate(&net, &valid, &device).acc;
    // Statistics from shifted inputs, as a subnet inherits them from other paths.
    let idx: Vec<usize> = (0..train.len()).collect();
    let (x, _) = train.batch(&idx, &device);
    let mut stale = net.clone();
    for _ in 0..20 {
        let _ = stale.forward(x.clone() * 3.0 + 1.0);
    }
    stale = stale.clone();
    let bad = trainer.evaluate(&stale, &valid, &device).acc;
    let fixed = recalibrate_bn(stale, |m: &NetBox| {
        let _ = m.forward(x.clone());
    });
    let restored = trainer.evaluate(&fixed, &valid, &device).acc;
    assert!(good > 0.6, "the trained net learns: {good}");
    assert!(bad < good - 0.1, "stale statistics hurt: {bad} vs {good}");
    assert!(
        restored >= good - 0.05,
        "recalibration restores: {restored} vs {good} (stale {bad})"
    );
}

const SPOS: &str = r#"
seed = 4
[data]
type = "Synthetic"
args = { n = 64, classes = 3, size = 8 }
[model]
type = "ConvNet"
args = { channels = [4, 8], strides = [1, 2] }
[construct.args]
mixed_op = "IndexMixedOp"
candidates = ["NC3", "NC5", "IDT", "SC3"]
[optim]
type = "RegularizedEvolutionOptim"
args = { population = 4, sample_size = 2 }
[estim.search]
type = "SPOSEstim"
args = { epochs = 2, trials = 6, recal_batches = 2, batch_size = 16 }
"#;

#[test]
fn spos_and_cars_search_subnets_with_inherited_weights() {
    let _serial = serial();
    for estim in ["SPOSEstim", "CARSEstim"] {
        let dir = tempfile::tempdir().unwrap();
        let mut o = vec![format!("estim.search.type=\"{estim}\"")];
        if estim == "CARSEstim" {
            o.push("estim.search.args.round_trials=3".into());
        }
        let cfg = Config::from_toml(SPOS, &o).unwrap();
        let run = crate::common::new_run(&cfg, dir.path()).unwrap();
        assert_eq!(run.outcome.trials, 6, "{estim}");
        let text = std::fs::read_to_string(dir.path().join("trials.jsonl")).unwrap();
        let trials: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let flops: std::collections::HashSet<String> = trials
            .iter()
            .map(|t| t["metrics"]["flops"].to_string())
            .collect();
        assert!(
            flops.len() > 1,
            "{estim}: subnets differ in FLOPs: {flops:?}"
        );
        for t in &trials {
            let acc = t["metrics"]["acc"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&acc));
        }
    }
}

#[test]
fn spos_needs_single_path_operators() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(&SPOS.replace("mixed_op = \"IndexMixedOp\"\n", ""), &[]).unwrap();
    let err = crate::common::new_run(&cfg, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("IndexMixedOp"), "{err}");
}
