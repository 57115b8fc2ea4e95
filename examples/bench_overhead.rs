//! Overhead of modnas's abstractions, printed as ratios measured in one process run:
//!
//! 1. train-step time of a Slot-built ConvNet / the same net written by hand in Burn
//!    (goal ≤ 1.02);
//! 2. transform-routine cost per parameter update with 1000 parameters and handlers
//!    (goal ≤ 1 µs), and the cost of one slot swap on a constructed model.
//!
//! ```text
//! cargo run --release --example bench_overhead [-- --json out.json]
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use clap::Parser;
use modnas::models::{ConvNet, ConvNetConfig};
use modnas::param_space::{Categorical, ParamSpace, Transform, Trigger};
use modnas::prelude::*;
use std::time::Instant;

const CHANNELS: [usize; 3] = [16, 32, 32];
const STRIDES: [usize; 3] = [1, 2, 1];

/// The same network as `ConvNet` with NC3 everywhere, written directly in Burn.
#[derive(Module, Debug)]
struct HandNet {
    convs: Vec<(Conv2d, BatchNorm)>,
    head: Linear,
}

impl HandNet {
    fn new(device: &Device) -> Self {
        let mut c = 1;
        let mut convs = vec![];
        for (&o, &s) in CHANNELS.iter().zip(&STRIDES) {
            let conv = Conv2dConfig::new([c, o], [3, 3])
                .with_stride([s, s])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(false)
                .init(device);
            convs.push((conv, BatchNormConfig::new(o).init(device)));
            c = o;
        }
        Self {
            convs,
            head: LinearConfig::new(c, 10).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self
            .convs
            .iter()
            .fold(x, |x, (conv, bn)| relu(bn.forward(conv.forward(x))));
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }
}

fn batch(device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let n = 64;
    let x: Vec<f32> = (0..n * 64).map(|i| ((i * 31) % 17) as f32 / 17.0).collect();
    let y: Vec<i64> = (0..n as i64).map(|i| i % 10).collect();
    (
        Tensor::from_data(TensorData::new(x, [n, 1, 8, 8]), device),
        Tensor::from_data(TensorData::new(y, [n]), device),
    )
}

/// Seconds per train step over `steps` steps (the loss is read at the end, forcing the work).
fn time_steps<M: Module>(
    mut model: M,
    fwd: impl Fn(&M, Tensor<4>) -> Tensor<2>,
    steps: usize,
    device: &Device,
) -> (M, f64) {
    let (x, y) = batch(device);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut optim = AdamConfig::new().init();
    let start = Instant::now();
    let mut last = None;
    for _ in 0..steps {
        let loss = loss_fn.forward(fwd(&model, x.clone()), y.clone());
        last = Some(loss.clone().detach());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-3, model, grads);
    }
    let _ = last.map(|l| l.into_scalar::<f32>());
    (model, start.elapsed().as_secs_f64() / steps as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The slot-built net the benchmark compares with [`HandNet`].
fn conv_net(device: &Device) -> ConvNet {
    ConvNetConfig::new(1, 10)
        .with_channels(CHANNELS.to_vec())
        .with_strides(STRIDES.to_vec())
        .init(device)
        .expect("a valid ConvNet config")
}

/// The overhead of slots, the transform routine and slot swaps.
#[derive(clap::Parser)]
struct JsonArg {
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let json = JsonArg::parse().json;
    let device = Device::default().autodiff();
    let mut slot_net = construct(
        NetBox::new("", conv_net(&device)),
        &CandidateSets::uniform(["NC3"]),
        &device,
    )?
    .model;
    let mut hand = HandNet::new(&device);
    // Warm up both, then interleave rounds so drift hits both equally.
    (slot_net, _) = time_steps(slot_net, |m, x| m.forward(x), 20, &device);
    (hand, _) = time_steps(hand, |m, x| m.forward(x), 20, &device);
    let (mut slot_t, mut hand_t) = (vec![], vec![]);
    for _ in 0..7 {
        let (m, t) = time_steps(slot_net, |m, x| m.forward(x), 30, &device);
        slot_net = m;
        slot_t.push(t);
        let (m, t) = time_steps(hand, |m, x| m.forward(x), 30, &device);
        hand = m;
        hand_t.push(t);
    }
    let (s, h) = (median(slot_t), median(hand_t));
    println!("train step (batch 64, 8x8, 3 conv-BN-ReLU): slot-built {:.3} ms, hand-written {:.3} ms, ratio {:.3} (goal <= 1.02)", s * 1e3, h * 1e3, s / h);

    // Transform routine: 1000 parameters, one handler each, all updated at once.
    let n = 1000;
    let mut space = ParamSpace::new();
    for i in 0..n {
        space.insert(format!("p{i}"), Categorical::new([0i64, 1])?)?;
    }
    let mut transform: Transform<u64> = Transform::new(&space);
    for i in 0..n {
        transform.add_handler(
            format!("h{i}"),
            Trigger::on(format!("p{i}")),
            |_, s: &mut u64| {
                *s += 1;
                Ok(())
            },
        );
    }
    let mut state = 0u64;
    let rounds = 200;
    let mut routine = 0.0;
    for r in 0..rounds {
        for i in 0..n {
            space.set(&format!("p{i}"), ParamValue::Int(((r + 1) % 2) as i64))?;
        }
        let t0 = Instant::now();
        transform.run(&space, &mut state)?;
        routine += t0.elapsed().as_secs_f64();
    }
    assert_eq!(state, (rounds * n) as u64);
    let per_update = routine / (rounds * n) as f64;
    println!(
        "transform routine, {n} params: {:.3} us per parameter update (goal <= 1 us)",
        per_update * 1e6
    );

    // One slot swap (handler builds the new candidate and edits the model).
    let mut c = construct(
        NetBox::new("", conv_net(&device)),
        &CandidateSets::uniform(["NC3", "NC5"]),
        &device,
    )?;
    let swaps = 200;
    let t0 = Instant::now();
    for i in 0..swaps {
        let v = if i % 2 == 0 { "NC5" } else { "NC3" };
        c.apply(&[("convs.1", v)].into_iter().collect::<ArchDesc>())?;
    }
    let swap_us = t0.elapsed().as_secs_f64() / swaps as f64 * 1e6;
    println!("slot swap via transform (build candidate + edit model): {swap_us:.1} us per swap");
    if let Some(path) = json {
        let out = serde_json::json!({
            "bench": "overhead",
            "train_step_ms": { "slot_built": s * 1e3, "hand_written": h * 1e3, "ratio": s / h },
            "transform_us_per_update": per_update * 1e6,
            "slot_swap_us": swap_us,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}
