//! DARTS on the embedded digits, then the augment step: a small DARTS cell supernet is
//! searched with `SuperNetEstim` + `DARTSOptim` (the config of `examples/configs/darts.toml`),
//! its genotype exported to `best.toml`, and that architecture trained from scratch in a wider
//! network (`examples/configs/darts_augment.toml`).
//!
//! ```text
//! cargo run --release --example darts_search -- [--epochs 4] [--method darts|gdas|snas|proxyless]
//!     [--augment-epochs 4] [--out runs/darts-example]
//! ```

use anyhow::{bail, Context, Result};
use clap::Parser;
use modnas::{run_search, Config, RunMode};
use std::path::PathBuf;

const SEARCH: &str = include_str!("configs/darts.toml");
const AUGMENT: &str = include_str!("configs/darts_augment.toml");

/// A DARTS-family search on the digits, then the augment step on its genotype.
#[derive(Parser)]
struct Args {
    /// Supernet epochs.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Epochs of the augment step.
    #[arg(long = "augment-epochs", default_value_t = 4)]
    augment_epochs: usize,
    /// `darts`, `gdas`, `snas` or `proxyless`.
    #[arg(long, default_value = "darts")]
    method: String,
    /// Where the two run directories go.
    #[arg(long, default_value = "runs/darts-example")]
    out: PathBuf,
}

fn main() -> Result<()> {
    let Args {
        epochs,
        augment_epochs,
        method,
        out,
    } = Args::parse();
    let (mixed_op, optim) = match method.as_str() {
        "darts" => ("DARTSMixedOp", "DARTSOptim"),
        "gdas" => ("GumbelMaxMixedOp", "GDASOptim"),
        "snas" => ("GumbelSumMixedOp", "SNASOptim"),
        "proxyless" => ("BinaryGateMixedOp", "BinaryGateOptim"),
        other => bail!("unknown --method {other}; known: darts, gdas, snas, proxyless"),
    };
    let search = Config::from_toml(
        SEARCH,
        &[
            format!("estim.search.args.epochs={epochs}"),
            format!("construct.args.mixed_op=\"{mixed_op}\""),
            format!("optim.type=\"{optim}\""),
        ],
    )?;
    let dir = out.join("search");
    // The example owns its output directory: a second run replaces the first.
    let run = run_search(&search, &dir, RunMode::Overwrite, &mut |t| {
        println!(
            "epoch {:>2}: supernet acc {:.4}  train loss {:.4}  {}",
            t.index,
            t.metrics["acc"],
            t.metrics["train_loss"],
            t.arch.summary()
        );
    })?;
    let best = run.outcome.best.context("the search produced no trial")?;
    println!("exported genotype: {}", best.arch.summary());
    println!("α per epoch: {}", dir.join("alphas.jsonl").display());

    let arch_file = dir.join("best.toml");
    let augment = Config::from_toml(
        AUGMENT,
        &[
            format!("estim.search.args.epochs={augment_epochs}"),
            format!(
                "estim.search.args.arch={:?}",
                arch_file.display().to_string()
            ),
        ],
    )?;
    let run = run_search(
        &augment,
        &out.join("augment"),
        RunMode::Overwrite,
        &mut |_| {},
    )?;
    let trained = run
        .outcome
        .best
        .context("the augment run produced no trial")?;
    println!(
        "augment: acc {:.4} after {augment_epochs} epochs, {} parameters",
        trained.metrics["acc"], trained.metrics["params"]
    );
    Ok(())
}
