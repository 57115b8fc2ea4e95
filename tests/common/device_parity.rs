//! The checks every backend must pass: the same model code computes the CPU's outputs, the
//! depthwise, pointwise and batch-norm kernels compute what Burn's own operations do, and every weight-sharing method
//! searches end to end from the same config.

use burn::module::Module;
use burn::tensor::module::{
    batch_norm_train as burns_batch_norm_train, conv2d, BatchNormTrainOutput,
};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::{construct, CandidateSets, NasModule};
use modnas::kernels::{batch_norm_train, depthwise_conv2d, pointwise_conv2d};

use modnas::Config;

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

/// A fixed DARTS net (separable convolutions, batch norm, reductions) moved to `device`
/// computes the CPU's logits within 1e-3.
pub fn fixed_darts_net_matches_the_cpu(device: &Device) {
    // Burn's default device is a GPU one when a GPU backend is compiled in: name the CPU.
    let cpu = Device::flex();
    assert_ne!(
        format!("{device:?}"),
        format!("{cpu:?}"),
        "compare another device"
    );
    cpu.seed(1);
    let net = super::tiny_darts(1, 3, 4, &cpu);
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
        let run = crate::common::new_run(&cfg, dir.path()).unwrap();
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

/// Each of `ours` within 1e-4 (relative) of the same part of `burns`.
pub fn assert_all_close<const N: usize>(
    what: &str,
    parts: [&str; N],
    ours: [Vec<f32>; N],
    burns: [Vec<f32>; N],
) {
    for (part, (a, b)) in parts.iter().zip(ours.into_iter().zip(burns)) {
        assert_eq!(a.len(), b.len(), "{what} {part}: lengths");
        for (i, (p, q)) in a.iter().zip(&b).enumerate() {
            assert!(
                (p - q).abs() <= 1e-4 * (1.0 + q.abs()),
                "{what} {part}[{i}]: {p} against Burn's {q}"
            );
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
        let what = format!("{input:?} k={k} s={s} d={d}");
        assert_all_close(&what, ["output", "dx", "dw"], ours, burns);
    }
}

/// On `device` (autodiff added here), `pointwise_conv2d` computes Burn's `conv2d` output and
/// gradients within 1e-4 (relative): the DARTS 1×1 shapes, odd sizes, more input channels
/// than output ones and the reverse, and a transposed (strided) input.
pub fn pointwise_kernels_match_burns_conv2d(device: &Device) {
    let device = device.clone().autodiff();
    let options = ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
    let cases = [
        ([2, 16, 8, 8], 16, false),
        ([3, 5, 7, 9], 2, false),
        ([2, 3, 4, 4], 8, false),
        ([2, 6, 5, 3], 4, true),
    ];
    for (input, c_out, strided) in cases {
        let normal = Distribution::Normal(0.0, 1.0);
        // Strided: `x` is moved to `[n, c, w, h]` by a transpose before the convolution.
        let arrange = |t: Tensor<4>| if strided { t.swap_dims(2, 3) } else { t };
        let x = Tensor::<4>::random(input, normal, &device);
        let w = Tensor::<4>::random([c_out, input[1], 1, 1], normal, &device);
        let out = conv2d(arrange(x.clone()), w.clone(), None, options.clone()).dims();
        let data = [x, w, Tensor::<4>::random(out, normal, &device)];
        let ours = conv_and_grads(
            |x, w, _| pointwise_conv2d(arrange(x), w),
            data.clone(),
            &options,
        );
        let burns = conv_and_grads(|x, w, o| conv2d(arrange(x), w, None, o), data, &options);
        let what = format!("{input:?} → {c_out} strided={strided}");
        assert_all_close(&what, ["output", "dx", "dw"], ours, burns);
    }
}

/// Output, statistics and the gradients of input, γ and β of training-mode batch norm `bn`
/// on `x` (first moved to `[.., channels, ..]` by `arrange`), weighted by `r`.
fn batch_norm_and_grads<const D: usize>(
    bn: impl Fn(Tensor<D>, Tensor<1>, Tensor<1>, f64) -> BatchNormTrainOutput<D>,
    arrange: impl Fn(Tensor<D>) -> Tensor<D>,
    [x, r]: [Tensor<D>; 2],
    [gamma, beta]: [Tensor<1>; 2],
) -> [Vec<f32>; 6] {
    let (x, gamma, beta) = (x.require_grad(), gamma.require_grad(), beta.require_grad());
    let out = bn(arrange(x.clone()), gamma.clone(), beta.clone(), 1e-5);
    let grads = (out.output.clone() * r).sum().backward();
    let grad = |t: &Tensor<1>| floats(t.grad(&grads).expect("parameter gradient"));
    let dx = floats(x.grad(&grads).expect("input gradient"));
    let [dgamma, dbeta] = [grad(&gamma), grad(&beta)];
    let stats = [floats(out.mean), floats(out.variance)];
    let [mean, var] = stats;
    [floats(out.output), mean, var, dx, dgamma, dbeta]
}

/// On `device` (autodiff added here), modnas's `batch_norm_train` computes what Burn's does
/// (output, batch mean and variance, gradients of input, γ and β) within 1e-4 (relative), for
/// images, for rank-2 inputs, for inputs that are not contiguous and for a mean far from 0.
pub fn batch_norm_kernels_match_burns(device: &Device) {
    let device = device.clone().autodiff();
    let normal = Distribution::Normal(0.0, 1.0);
    let parts = ["output", "mean", "variance", "dx", "dgamma", "dbeta"];
    let params = |c: usize| {
        let gamma = Tensor::<1>::random([c], Distribution::Uniform(0.5, 1.5), &device);
        [gamma, Tensor::<1>::random([c], normal, &device)]
    };
    let images = [
        ([2, 3, 5, 5], false),
        ([3, 8, 16, 16], false),
        ([4, 5, 6, 3], true),
    ];
    for (dims, strided) in images {
        let x = Tensor::<4>::random(dims, normal, &device).add_scalar(4.0);
        // Strided: `x` is `[n, w, h, c]` and is moved to `[n, c, h, w]` by a transpose.
        let arrange = |t: Tensor<4>| if strided { t.swap_dims(1, 3) } else { t };
        let c = arrange(x.clone()).dims()[1];
        let r = Tensor::<4>::random(arrange(x.clone()).dims(), normal, &device);
        let data = [x, r];
        let p = params(c);
        let ours = batch_norm_and_grads(batch_norm_train, arrange, data.clone(), p.clone());
        let burns = batch_norm_and_grads(burns_batch_norm_train, arrange, data, p);
        assert_all_close(&format!("{dims:?} strided={strided}"), parts, ours, burns);
    }
    let x = Tensor::<2>::random([16, 6], normal, &device);
    let r = Tensor::<2>::random([16, 6], normal, &device);
    let p = params(6);
    let ours = batch_norm_and_grads(batch_norm_train, |t| t, [x.clone(), r.clone()], p.clone());
    let burns = batch_norm_and_grads(burns_batch_norm_train, |t| t, [x, r], p);
    assert_all_close("[16, 6]", parts, ours, burns);
}
