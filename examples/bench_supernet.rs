//! DARTS supernet step time and peak memory (the DARTS space: C = 16, 8 cells of 4 nodes,
//! the 8 DARTS ops on every edge, batch 64 of 32×32 RGB images).
//!
//! Rows: the weight step alone, a bi-level step with first-order DARTS (α step + weight
//! step), and one with second-order DARTS. Each row prints the mean wall time per step after
//! warm-up, and the process's peak resident memory (CPU) so far.
//!
//! ```text
//! cargo run --release --example bench_supernet -- [--device cpu|wgpu|libtorch] [--steps 3]
//!     [--batch 64] [--size 32] [--channels 16] [--layers 8] [--nodes 4]
//!     [--modes weights,first,second] [--json out.json]
//! ```

use anyhow::Result;
use burn::tensor::{Distribution, Int, Tensor};
use clap::Parser;
use modnas::config::BackendConfig;
use modnas::construct::{construct, CandidateSets, NetBox};
use modnas::estim::{
    arch_step, weight_step, ImageClsTrainer, StepParts, SuperNetArgs, SuperNetEstim, TrainerArgs,
    TrainerLoss,
};
use modnas::models::{DARTSNetConfig, DARTS_OPS};
use modnas::optim::build_gradient_optim;
use modnas::param_space::TensorParam;
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

/// DARTS supernet step time and peak memory.
#[derive(Parser)]
struct Opts {
    /// A `backend.device` name: `cpu`, `wgpu`, `cuda`, `libtorch` or `libtorch-cuda`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Timed steps per row (after one warm-up step).
    #[arg(long, default_value_t = 3)]
    steps: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Image side.
    #[arg(long, default_value_t = 32)]
    size: usize,
    /// Initial channels C.
    #[arg(long, default_value_t = 16)]
    channels: usize,
    /// Cells.
    #[arg(long, default_value_t = 8)]
    layers: usize,
    /// Intermediate nodes per cell.
    #[arg(long, default_value_t = 4)]
    nodes: usize,
    /// Rows to run: `weights`, `first`, `second`.
    #[arg(long, value_delimiter = ',', default_value = "weights,first,second")]
    modes: Vec<String>,
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

/// Peak resident set size of this process in MiB (Linux), or 0.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() -> Result<()> {
    let o = Opts::parse();
    if let Some(m) = o
        .modes
        .iter()
        .find(|m| !["weights", "first", "second"].contains(&m.as_str()))
    {
        anyhow::bail!("unknown mode {m:?}: use weights, first, second");
    }
    let backend = BackendConfig {
        device: o.device.clone(),
        index: 0,
    };
    let device = backend.device()?.autodiff();
    device.seed(0);
    let net = DARTSNetConfig::new(3, 10)
        .with_channels(o.channels)
        .with_layers(o.layers)
        .with_nodes(o.nodes)
        .init(&device)?;
    let c = construct(
        net,
        &CandidateSets::mixed("DARTSMixedOp", DARTS_OPS),
        &device,
    )?;
    let alphas: Vec<TensorParam> = c
        .space
        .tensor_params()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let mut model = NetBox::new("DARTSNet", c.model);
    let batch = || {
        let x = Tensor::<4>::random([o.batch, 3, o.size, o.size], Distribution::Default, &device);
        let y = Tensor::<1, Int>::random([o.batch], Distribution::Uniform(0.0, 10.0), &device);
        (x, y)
    };
    let (train, valid) = (batch(), batch());
    // Its default batch loss, the cross-entropy every supernet step minimises.
    let trainer = ImageClsTrainer::new(TrainerArgs::default())?;
    let estim = SuperNetEstim::new(toml::from_str::<SuperNetArgs>("")?)?;
    let mut weights = estim.weight_optimizer();
    let mut rng = StdRng::seed_from_u64(0);
    println!(
        "DARTS supernet on {}: C={} cells={} nodes={} batch={} {}x{}, {} α tensors",
        o.device,
        o.channels,
        o.layers,
        o.nodes,
        o.batch,
        o.size,
        o.size,
        alphas.len()
    );
    println!("{:<28} {:>12} {:>14}", "step", "ms/step", "peak RSS MiB");
    let mut rows = vec![];
    for (key, mode) in [
        ("weights", "weights only"),
        ("first", "bi-level, first order"),
        ("second", "bi-level, second order"),
    ] {
        if !o.modes.iter().any(|m| m == key) {
            continue;
        }
        let order = if mode.ends_with("second order") {
            "order = 2"
        } else {
            "order = 1"
        };
        let mut optim = build_gradient_optim("DARTSOptim", &c.space, &toml::from_str(order)?, 0)?;
        let mut times = vec![];
        for i in 0..o.steps + 1 {
            let t0 = Instant::now();
            let mut parts = StepParts {
                alphas: &alphas,
                handles: &c.mixed,
                loss: &TrainerLoss(&trainer),
                weights: &mut weights,
                grad_clip: 5.0,
                rng: &mut rng,
                cost: None,
            };
            if mode != "weights only" {
                let g = optim.as_mut();
                model = arch_step(
                    model,
                    train.clone(),
                    valid.clone(),
                    0.025,
                    3e-4,
                    &mut parts,
                    g,
                )?;
            }
            let (m, loss) = weight_step(model, &train, 0.025, &mut parts, None)?;
            model = m;
            // Reading the loss waits for the device to finish the step.
            let _: f32 = loss.into_scalar();
            if i > 0 {
                times.push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        let ms = times.iter().sum::<f64>() / times.len().max(1) as f64;
        let rss = peak_rss_mib();
        let each: Vec<String> = times.iter().map(|t| format!("{t:.0}")).collect();
        eprintln!("  {mode}: per step [{}] ms", each.join(", "));
        println!("{mode:<28} {ms:>12.1} {rss:>14.0}");
        rows.push(
            serde_json::json!({ "step": mode, "ms": ms, "steps_ms": times, "peak_rss_mib": rss }),
        );
    }
    if let Some(path) = o.json {
        let out = serde_json::json!({
            "bench": "supernet", "device": o.device, "channels": o.channels, "layers": o.layers,
            "nodes": o.nodes, "batch": o.batch, "size": o.size, "steps": o.steps, "rows": rows,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}
