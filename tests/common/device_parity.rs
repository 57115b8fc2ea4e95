//! The checks every backend must pass: the same model code computes the CPU's outputs, the
//! depthwise kernels compute what Burn's `conv2d` does, and every weight-sharing method
//! searches end to end from the same config.

use burn::module::Module;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::kernels::depthwise_conv2d;
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

/// Output, input gradient and weight gradient of `conv` on `x`, `w`, weighted by `r`.
fn conv_and_grads(
    conv: impl Fn(Tensor<4>, Tensor<4>, ConvOptions<2>) -> Tensor<4>,
    [x, w, r]: [Tensor<4>; 3],
    options: &ConvOptions<2>,
) -> [Vec<f32>; 3] {
    let (x, w) = (x.require_grad(), w.require_grad());
    let y = conv(x.clone(), w.clone(), options.clone());
    let grads = (y.clone() * r).sum().backward();
    let dx = x.grad(&grads).expect("input gradient");
    let dw = w.grad(&grads).expect("weight gradient");
    [floats(y), floats(dx), floats(dw)]
}

/// On `device` (autodiff added here), `depthwise_conv2d` computes Burn's `conv2d` output and
/// gradients within 1e-4 (relative) for the DARTS geometries: kernels 3 and 5, strides 1
/// and 2, dilation 2, odd sizes.
pub fn depthwise_kernels_match_burns_conv2d(device: &Device) {
    let device = device.clone().autodiff();
    let cases = [
        ([2, 4, 8, 8], 3, 1, 1),
        ([2, 4, 8, 8], 5, 1, 1),
        ([2, 4, 8, 8], 3, 2, 1),
        ([2, 4, 8, 8], 5, 2, 2),
        ([2, 4, 9, 7], 3, 1, 2),
        ([1, 3, 5, 5], 5, 2, 2),
    ];
    for (input, k, s, d) in cases {
        let pad = d * (k - 1) / 2;
        let options = ConvOptions::new([s, s], [pad, pad], [d, d], input[1]);
        let normal = Distribution::Normal(0.0, 1.0);
        let x = Tensor::<4>::random(input, normal, &device);
        let w = Tensor::<4>::random([input[1], 1, k, k], normal, &device);
        let out = conv2d(x.clone(), w.clone(), None, options.clone()).dims();
        let data = [x, w, Tensor::<4>::random(out, normal, &device)];
        let ours = conv_and_grads(depthwise_conv2d, data.clone(), &options);
        let burns = conv_and_grads(|x, w, o| conv2d(x, w, None, o), data, &options);
        for (part, (a, b)) in ["output", "dx", "dw"]
            .iter()
            .zip(ours.into_iter().zip(burns))
        {
            assert_eq!(a.len(), b.len());
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                assert!(
                    (p - q).abs() <= 1e-4 * (1.0 + q.abs()),
                    "{input:?} k={k} s={s} d={d} {part}[{i}]: {p} against Burn's {q}"
                );
            }
        }
    }
}
