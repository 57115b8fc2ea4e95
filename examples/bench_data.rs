//! Is data loading the bottleneck of a CPU training step? Times the batch preparation the
//! trainer does (copying the images, random crop with padding 4, horizontal flip, cutout 16,
//! building the tensors) against whole training steps of the same batches, on CIFAR-sized
//! synthetic images (3×32×32).
//!
//! ```text
//! cargo run --release --example bench_data -- [--model ConvNet|DARTSNet] [--batch 64]
//!     [--batches 20] [--device cpu|wgpu] [--json out.json]
//! ```

use anyhow::{bail, Context, Result};
use clap::Parser;
use modnas::config::BackendConfig;
use modnas::construct::{build_model, construct, CandidateSets, ModelInput};
use modnas::estim::data::{synthetic, Augment};
use modnas::estim::{cutout_mask, ImageClsTrainer, TrialReporter};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::Instant;

/// Batch preparation against the training step.
#[derive(Parser)]
struct Args {
    /// `ConvNet` or `DARTSNet`.
    #[arg(long, default_value = "ConvNet")]
    model: String,
    /// `cpu`, `wgpu` or `cuda`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Images per batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Batches timed.
    #[arg(long, default_value_t = 20)]
    batches: usize,
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

fn main() -> Result<()> {
    let Args {
        model,
        device,
        batch,
        batches,
        json,
    } = Args::parse();
    let dev = BackendConfig {
        device: device.clone(),
        index: 0,
    }
    .device()?
    .autodiff();
    let data = synthetic(batch * batches, 10, 3, 32, 0);
    let augment = Augment {
        crop_padding: 4,
        flip: true,
    };

    // Batch preparation alone, as the trainer does it.
    let mut rng = StdRng::seed_from_u64(1);
    let order: Vec<usize> = (0..data.len()).collect();
    let t0 = Instant::now();
    for idx in order.chunks(batch) {
        let (x, y) = data.augmented_batch(idx, &augment, &mut rng, &dev);
        let x = x * cutout_mask(idx.len(), data.shape, 16, &mut rng, &dev);
        // Reading one value forces the work on lazy backends.
        let _ = (x.slice([0..1, 0..1, 0..1, 0..1]).into_scalar::<f32>(), y);
    }
    let prep_ms = t0.elapsed().as_secs_f64() * 1e3 / batches as f64;

    // Whole training steps on the same batches (one epoch), preparation included.
    let (model_args, candidates) = match model.as_str() {
        "ConvNet" => ("channels = [32, 64, 64]\nstrides = [1, 2, 2]", vec!["NC3"]),
        "DARTSNet" => ("channels = 16\nlayers = 5\nnodes = 4", vec!["SC3", "IDT"]),
        other => bail!("unknown --model {other}; known: ConvNet, DARTSNet"),
    };
    let input = ModelInput {
        channels: 3,
        height: 32,
        width: 32,
        classes: 10,
    };
    let net = build_model(&model, &toml::from_str(model_args)?, &input, &dev)?;
    let net = construct(net, &CandidateSets::uniform(candidates), &dev)?.model;
    let trainer = ImageClsTrainer::from_args(&toml::from_str(&format!(
        "batch_size = {batch}\ncrop_padding = 4\nflip = true\ncutout = 16"
    ))?)?;
    // One warm-up epoch on a few batches, then the timed one.
    let warm = data.subset(&(0..batch * 2).collect::<Vec<_>>());
    let (net, _) = trainer.train(net, &warm, 1, &dev, 0, &mut TrialReporter::silent(0))?;
    let t0 = Instant::now();
    let (_, loss) = trainer.train(net, &data, 1, &dev, 0, &mut TrialReporter::silent(0))?;
    let step_ms = t0.elapsed().as_secs_f64() * 1e3 / batches as f64;
    let share = prep_ms / step_ms;
    println!("{model} on {device}, batch {batch} of 3x32x32, {batches} batches (loss {loss:.3})");
    println!("batch preparation: {prep_ms:.2} ms per batch");
    println!("training step:     {step_ms:.2} ms per batch (preparation included)");
    println!("preparation share: {:.1}% of a step", share * 100.0);
    if let Some(path) = json {
        let v = serde_json::json!({
            "model": model, "device": device, "batch": batch, "batches": batches,
            "prep_ms": prep_ms, "step_ms": step_ms, "prep_share": share,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&v)? + "\n")
            .with_context(|| format!("writing {path}"))?;
    }
    Ok(())
}
