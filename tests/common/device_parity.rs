//! The checks every non-default backend must pass: the same model code computes the CPU's
//! outputs, and every weight-sharing method searches end to end from the same config.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::{construct, CandidateSets, NasModule};
use modnas::models::DARTSNet;
use modnas::{run_search, Config};

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

/// A fixed DARTS net (separable convolutions, batch norm, reductions) moved to `device`
/// computes the CPU's logits within 1e-3.
pub fn fixed_darts_net_matches_the_cpu(device: &Device) {
    let cpu = Device::default();
    cpu.seed(1);
    let net = DARTSNet::new(1, 3, 4, 3, 2, &cpu).unwrap();
    let net = construct(net, &CandidateSets::uniform(["SC3"]), &cpu)
        .unwrap()
        .model
        .valid();
    let x = Tensor::<4>::random([4, 1, 8, 8], Distribution::Normal(0.0, 1.0), &cpu);
    let want = floats(NasModule::forward(&net, x.clone()));
    let moved = net.to_device(device);
    let got = floats(NasModule::forward(&moved, x.to_device(device)));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() < 1e-3 * (1.0 + w.abs()),
            "{got:?} vs {want:?}"
        );
    }
}

/// DARTS, GDAS, ProxylessNAS and SPOS each search end to end with `backend.device = name`.
pub fn every_weight_sharing_method_searches_on(name: &str) {
    for (op, optim, estim) in [
        ("DARTSMixedOp", "DARTSOptim", "SuperNetEstim"),
        ("GumbelMaxMixedOp", "GDASOptim", "SuperNetEstim"),
        ("BinaryGateMixedOp", "BinaryGateOptim", "SuperNetEstim"),
        ("IndexMixedOp", "RandomSearchOptim", "SPOSEstim"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut overrides = vec![
            format!("backend.device=\"{name}\""),
            format!("construct.args.mixed_op=\"{op}\""),
            format!("optim.type=\"{optim}\""),
            format!("estim.search.type=\"{estim}\""),
        ];
        if estim == "SPOSEstim" {
            overrides
                .push("estim.search.args={ epochs = 1, batch_size = 16, round_trials = 2 }".into());
        }
        let cfg = Config::from_toml(super::DARTS_SEARCH, &overrides).unwrap();
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
