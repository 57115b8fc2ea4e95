//! Forward + backward time of each DARTS candidate at the size of the first DARTS cells
//! (batch 64, 16 channels, 32×32), to see where a supernet step spends its time.
//!
//! ```text
//! cargo run --release --example bench_ops -- [--device cpu|wgpu|libtorch] [--batch 64] [--channels 16]
//!     [--size 32] [--reps 5] [--json out.json]
//! ```

use anyhow::{bail, Context, Result};
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use clap::Parser;
use modnas::config::BackendConfig;
use modnas::construct::ops::{batch_norm, ConvLayer};
use modnas::construct::{build_candidate, SlotSpec};
use modnas::kernels::batch_norm_forward;
use modnas::models::DARTS_OPS;
use std::time::Instant;

/// Forward + backward time of each DARTS candidate.
#[derive(Parser)]
struct Args {
    /// A `backend.device` name: `cpu`, `wgpu`, `cuda`, `libtorch` or `libtorch-cuda`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Images per batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Channels.
    #[arg(long, default_value_t = 16)]
    channels: usize,
    /// Image side.
    #[arg(long, default_value_t = 32)]
    size: usize,
    /// Timed repetitions per op.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

fn main() -> Result<()> {
    let Args {
        device,
        batch,
        channels,
        size,
        reps,
        json,
    } = Args::parse();
    let device_name = device.clone();
    let mut rows = vec![];
    let device = BackendConfig {
        device: device.clone(),
        index: 0,
    }
    .device()?
    .autodiff();
    println!("forward + backward, batch {batch}, {channels} channels, {size}x{size}");
    println!("{:<6} {:>12} {:>12}", "op", "stride 1 ms", "stride 2 ms");
    let mut total = [0.0; 2];
    for op in DARTS_OPS.iter().filter(|o| **o != "NIL") {
        let mut row = [0.0; 2];
        for (k, stride) in [1usize, 2].into_iter().enumerate() {
            let m = build_candidate(op, &SlotSpec::new(channels, channels, stride), &device)?;
            let x = Tensor::<4>::random(
                [batch, channels, size, size],
                Distribution::Default,
                &device,
            )
            .require_grad();
            let mut times = vec![];
            for i in 0..reps + 1 {
                let t0 = Instant::now();
                let y = m.forward(x.clone());
                let grads = y.sum().backward();
                let g = x.grad(&grads).context("input gradient")?;
                let _: f32 = g.sum().into_scalar();
                if i > 0 {
                    times.push(t0.elapsed().as_secs_f64() * 1e3);
                }
            }
            times.sort_by(f64::total_cmp);
            row[k] = times[times.len() / 2];
            total[k] += row[k];
        }
        println!("{op:<6} {:>12.2} {:>12.2}", row[0], row[1]);
        rows.push(serde_json::json!({ "name": op, "kind": "op", "stride1_ms": row[0], "stride2_ms": row[1] }));
    }
    println!("{:<6} {:>12.2} {:>12.2}", "sum", total[0], total[1]);
    // The layers the separable convolutions are made of.
    println!("{:<8} {:>12} {:>12}", "layer", "stride 1 ms", "stride 2 ms");
    // `dw3`/`dw5` go through modnas's depthwise kernels, `dw3-burn`/`dw5-burn` through Burn's
    // grouped `conv2d` on the same layer (`pw1`/`pw1-burn` likewise for the 1×1 convolution at
    // stride 1); `bn` through modnas's batch norm, `bn-burn` through `BatchNorm::forward`.
    for layer in [
        "dw3", "dw3-burn", "dw5", "dw5-burn", "pw1", "pw1-burn", "conv3", "bn", "bn-burn", "relu",
    ] {
        let mut row = [0.0; 2];
        for (k, stride) in [1usize, 2].into_iter().enumerate() {
            let x = Tensor::<4>::random(
                [batch, channels, size, size],
                Distribution::Default,
                &device,
            )
            .require_grad();
            let m = Layer::new(layer, channels, stride, &device)?;
            row[k] = median_ms(reps, || {
                let grads = m.forward(x.clone()).sum().backward();
                let g = x.grad(&grads).context("input gradient")?;
                let _: f32 = g.sum().into_scalar();
                Ok(())
            })?;
        }
        println!("{layer:<8} {:>12.2} {:>12.2}", row[0], row[1]);
        rows.push(serde_json::json!({ "name": layer, "kind": "layer", "stride1_ms": row[0], "stride2_ms": row[1] }));
    }
    if let Some(path) = json {
        let out = serde_json::json!({
            "bench": "ops", "device": device_name, "batch": batch, "channels": channels,
            "size": size, "reps": reps, "rows": rows,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

/// Median wall time of `reps` calls of `f` after one warm-up call, in ms.
fn median_ms(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = vec![];
    for i in 0..reps + 1 {
        let t0 = Instant::now();
        f()?;
        if i > 0 {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// One of the layers separable convolutions are built from.
enum Layer {
    Conv(ConvLayer),
    /// A layer run through Burn's `conv2d` rather than modnas's kernels.
    BurnConv(ConvLayer, ConvOptions<2>),
    Bn(BatchNorm),
    BurnBn(BatchNorm),
    Relu,
}

impl Layer {
    fn new(name: &str, c: usize, stride: usize, device: &Device) -> Result<Self> {
        let conv = |k: usize, groups: usize| ConvLayer::new(c, c, k, stride, 1, groups, device);
        Ok(match name {
            "dw3" => Layer::Conv(conv(3, c)?),
            "dw5" => Layer::Conv(conv(5, c)?),
            "dw3-burn" | "dw5-burn" => {
                let k = if name == "dw3-burn" { 3 } else { 5 };
                let options = ConvOptions::new([stride; 2], [k / 2; 2], [1, 1], c);
                Layer::BurnConv(conv(k, c)?, options)
            }
            "pw1-burn" => {
                let options = ConvOptions::new([stride; 2], [0, 0], [1, 1], 1);
                Layer::BurnConv(conv(1, 1)?, options)
            }
            "pw1" => Layer::Conv(conv(1, 1)?),
            "conv3" => Layer::Conv(conv(3, 1)?),
            "bn" => Layer::Bn(batch_norm(c, device)),
            "bn-burn" => Layer::BurnBn(batch_norm(c, device)),
            "relu" => Layer::Relu,
            other => bail!("unknown layer {other}"),
        })
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Layer::Conv(c) => c.forward(x),
            Layer::BurnConv(c, options) => conv2d(x, c.weight(), None, options.clone()),
            Layer::Bn(b) => batch_norm_forward(b, x),
            Layer::BurnBn(b) => b.forward(x),
            Layer::Relu => relu(x),
        }
    }
}
