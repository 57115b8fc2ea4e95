//! The GPU path, on wgpu: the same model code and configs as on the CPU. Built only with the
//! `wgpu` feature; CI runs it on the CPU through Mesa's lavapipe (`.ci/run`), the GPU machine
//! through Vulkan on the card.
//!
//! ```sh
//! XDG_RUNTIME_DIR=/tmp cargo test -p modnas --features wgpu --test wgpu
//! ```
#![cfg(feature = "wgpu")]

mod common;
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use common::serial;
use modnas::construct::{construct, CandidateSets, NasModule};
use modnas::models::DARTSNet;
use modnas::{run_search, Config};

fn wgpu() -> Device {
    Device::wgpu(Default::default())
}

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

const SEARCH: &str = r#"
seed = 0
[data]
type = "Digits"
args = { limit = 96 }
[model]
type = "DARTSNet"
args = { channels = 4, layers = 3, nodes = 2 }
[construct.args]
mixed_op = "DARTSMixedOp"
candidates = ["NIL", "MAX", "IDT", "SC3"]
[optim]
type = "DARTSOptim"
[estim.search]
type = "SuperNetEstim"
args = { epochs = 2, batch_size = 16 }
[backend]
device = "wgpu"
"#;

#[test]
fn a_fixed_darts_net_computes_the_same_on_wgpu_as_on_the_cpu() {
    let _serial = serial();
    let cpu = Device::default();
    cpu.seed(1);
    let net = DARTSNet::new(1, 3, 4, 3, 2, &cpu).unwrap();
    let net = construct(net, &CandidateSets::uniform(["SC3"]), &cpu)
        .unwrap()
        .model
        .valid();
    let x = Tensor::<4>::random([4, 1, 8, 8], Distribution::Normal(0.0, 1.0), &cpu);
    let want = floats(NasModule::forward(&net, x.clone()));
    let on_gpu = net.to_device(&wgpu());
    let got = floats(NasModule::forward(&on_gpu, x.to_device(&wgpu())));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() < 1e-3 * (1.0 + w.abs()),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn every_weight_sharing_method_searches_on_wgpu() {
    let _serial = serial();
    for (op, optim, estim) in [
        ("DARTSMixedOp", "DARTSOptim", "SuperNetEstim"),
        ("GumbelMaxMixedOp", "GDASOptim", "SuperNetEstim"),
        ("BinaryGateMixedOp", "BinaryGateOptim", "SuperNetEstim"),
        ("IndexMixedOp", "RandomSearchOptim", "SPOSEstim"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut overrides = vec![
            format!("construct.args.mixed_op=\"{op}\""),
            format!("optim.type=\"{optim}\""),
            format!("estim.search.type=\"{estim}\""),
        ];
        if estim == "SPOSEstim" {
            overrides
                .push("estim.search.args={ epochs = 1, batch_size = 16, round_trials = 2 }".into());
        }
        let cfg = Config::from_toml(SEARCH, &overrides).unwrap();
        let run = run_search(&cfg, dir.path(), &mut |_| {}).unwrap();
        let best = run.outcome.best.unwrap_or_else(|| panic!("{op}: no trial"));
        let acc = best.metrics["acc"];
        assert!((0.0..=1.0).contains(&acc), "{op}: acc {acc}");
        assert!(dir.path().join("best.toml").exists(), "{op}");
        if estim == "SuperNetEstim" {
            let alphas = std::fs::read_to_string(dir.path().join("alphas.jsonl")).unwrap();
            assert_eq!(alphas.lines().count(), 2, "{op}");
        }
    }
}
