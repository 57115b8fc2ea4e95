//! DARTS's final training: the auxiliary head learns through the trainer's loss, drop-path
//! follows the trainer's progress, and the shipped search → augment configs run end to end.

use crate::common::{serial, tiny_darts, trainable};
use burn::module::Module;
use burn::tensor::Device;
use modnas::construct::{construct, CandidateSets, NetBox};
use modnas::estim::data::synthetic;
use modnas::estim::{ImageClsTrainer, TrialReporter};
use modnas::models::{DARTSNet, DropPathSchedule};
use modnas::{run_search, Config};

fn fixed_darts(device: &Device, f: impl FnOnce(DARTSNet) -> DARTSNet) -> NetBox {
    let net = f(tiny_darts(1, 3, 4, device));
    NetBox::new(
        "",
        construct(net, &CandidateSets::uniform(["SC3"]), device)
            .unwrap()
            .model,
    )
}

fn trainer(extra: &str) -> ImageClsTrainer {
    let text = format!("lr = 0.05\nweight_decay = 0.0\nbatch_size = 16\n{extra}");
    ImageClsTrainer::from_args(&toml::from_str(&text).unwrap()).unwrap()
}

fn aux_trainable(net: &NetBox) -> Vec<f32> {
    let darts = net.downcast_ref::<DARTSNet>().unwrap();
    trainable(darts.auxiliary().expect("the net has an auxiliary head"))
}

#[test]
fn the_auxiliary_loss_trains_the_auxiliary_head_only_when_weighted() {
    let _serial = serial();
    let device = Device::default().autodiff();
    device.seed(3);
    let data = synthetic(48, 3, 1, 8, 1);
    for (weight, learns) in [(0.4, true), (0.0, false)] {
        let net = fixed_darts(&device, |n| n.with_auxiliary(3, &device).unwrap());
        let (aux0, body0) = (aux_trainable(&net), trainable(&net));
        let trainer = trainer(&format!("aux_weight = {weight}"));
        let (net, loss) = trainer
            .train(net, &data, 1, &device, 0, &mut TrialReporter::silent(0))
            .unwrap();
        assert!(loss.is_finite());
        assert_ne!(trainable(&net), body0, "the body always trains");
        assert_eq!(aux_trainable(&net) != aux0, learns, "aux_weight = {weight}");
    }
}

#[test]
fn the_trainer_raises_drop_path_epoch_by_epoch() {
    let _serial = serial();
    let device = Device::default().autodiff();
    device.seed(4);
    let data = synthetic(16, 3, 1, 8, 2);
    for (schedule, last) in [
        (DropPathSchedule::Linear, 0.4 * 3.0 / 4.0),
        (DropPathSchedule::Constant, 0.4),
    ] {
        let net = fixed_darts(&device, |n| n.with_drop_path(0.4, schedule));
        let (net, _) = trainer("")
            .train(net, &data, 4, &device, 0, &mut TrialReporter::silent(0))
            .unwrap();
        let p = net.downcast_ref::<DARTSNet>().unwrap().current_drop_path();
        assert!((p - last).abs() < 1e-12, "{schedule:?}: {p}");
    }
}

#[test]
fn the_shipped_darts_configs_search_then_augment() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let small = |extra: &[String]| {
        let mut o = vec![
            "data.args.limit=160".to_string(),
            "estim.search.args.epochs=1".to_string(),
        ];
        o.extend_from_slice(extra);
        o
    };
    let search =
        Config::from_file(format!("{root}/examples/configs/darts.toml"), &small(&[])).unwrap();
    crate::common::new_run(&search, &dir.path().join("search")).unwrap();
    let best = dir.path().join("search/best.toml");
    assert!(best.exists());
    let augment = Config::from_file(
        format!("{root}/examples/configs/darts_augment.toml"),
        &small(&[format!(
            "estim.search.args.arch={:?}",
            best.display().to_string()
        )]),
    )
    .unwrap();
    let model_args = &augment.model.as_ref().unwrap().args;
    assert_eq!(model_args["auxiliary"].as_bool(), Some(true));
    let run = crate::common::new_run(&augment, &dir.path().join("augment")).unwrap();
    let trial = run.outcome.best.expect("the augment run records its trial");
    assert_eq!(
        trial.arch,
        modnas::estim::read_arch_file(&best).unwrap(),
        "augment trains the exported genotype"
    );

    // The final model loads back without the search and scores what the run recorded.
    let device = Device::default().autodiff();
    let net = modnas::load_trained(&dir.path().join("augment"), &device).unwrap();
    let data =
        modnas::estim::data::load_data(&augment.data.type_name, &augment.data.args, 0).unwrap();
    let trainer = ImageClsTrainer::from_args(&augment.trainer.args).unwrap();
    let acc = trainer.evaluate(&net, &data.valid, &device).acc;
    assert_eq!(acc, trial.metrics["acc"]);
    let err = modnas::load_trained(&dir.path().join("search"), &device).unwrap_err();
    assert!(err.to_string().contains("holds no trained model"), "{err}");

    // It ships as ONNX that an independent runtime (tract) runs to Burn's output.
    let onnx = dir.path().join("augment.onnx");
    let check = modnas::export_trained_onnx(&dir.path().join("augment"), &onnx).unwrap();
    assert!(
        check.max_abs_diff < 1e-4,
        "max |Δ| = {}",
        check.max_abs_diff
    );
    assert_eq!(std::fs::read(&onnx).unwrap(), check.bytes);
}

#[test]
fn the_auxiliary_head_is_not_counted_as_a_parameter_of_the_net() {
    let _serial = serial();
    let device = Device::default();
    let plain = fixed_darts(&device, |n| n);
    let with = fixed_darts(&device, |n| n.with_auxiliary(3, &device).unwrap());
    let aux = with
        .downcast_ref::<DARTSNet>()
        .unwrap()
        .auxiliary()
        .unwrap();
    assert!(modnas::metrics::trainable_params(aux) > 0);
    assert_eq!(
        modnas::metrics::trainable_params(&with),
        modnas::metrics::trainable_params(&plain)
    );
    assert!(with.num_params() > plain.num_params(), "Burn still sees it");
}

#[test]
fn the_final_training_reports_accuracy_on_a_held_out_test_part() {
    let _serial = serial();
    let text = r#"
[data]
type = "Synthetic"
args = { n = 60, classes = 3, size = 6, test_ratio = 0.25 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["NC3"]
[estim.search]
type = "DefaultEstim"
args = { epochs = 2 }
"#;
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(
        &Config::from_toml(text, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    let m = run.outcome.best.unwrap().metrics;
    // 15 of 60 images are tested: accuracy is a multiple of 1/15.
    let correct = m["test_acc"] * 15.0;
    assert!((correct - correct.round()).abs() < 1e-9, "{m:?}");
    assert!(m["test_loss"].is_finite() && m["acc"].is_finite());
}
