//! Data larger than memory: the same random search over the full Fashion-MNIST (60 000
//! training images; Debian `dataset-fashion-mnist`) with the images read lazily through a
//! bounded cache (`[task] type = "StreamedImageTask"`) and held in memory (`[data] type =
//! "Idx"`). Each runs in a process of its own, which reports its peak resident memory
//! (`VmHWM`); the table sets both against the data set's size as `f32` in memory.
//!
//! ```text
//! cargo run --release --example bench_stream -- [--dir /usr/share/datasets/fashion-mnist]
//!     [--cache 4096] [--trials 2] [--epochs 1] [--limit N]
//! ```

use anyhow::{bail, Context, Result};
use clap::Parser;
use modnas::{run_search, Config, RunMode};
use std::process::Command;
use std::time::Instant;

/// The streamed and in-memory searches, side by side.
#[derive(Parser)]
struct Args {
    /// Where the IDX files are (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`).
    #[arg(long, default_value = "/usr/share/datasets/fashion-mnist")]
    dir: String,
    /// Images the streamed source caches.
    #[arg(long, default_value_t = 4096)]
    cache: usize,
    /// Trials of each search.
    #[arg(long, default_value_t = 2)]
    trials: usize,
    /// Epochs of each trial.
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    /// Only the first N images (default: all).
    #[arg(long)]
    limit: Option<usize>,
    /// Run one search in this process (`streamed` or `in-memory`) and print its figures.
    #[arg(long)]
    only: Option<String>,
}

/// The search shared by both: a small ConvNet's two convolutions chosen by random search.
fn config(a: &Args, streamed: bool) -> String {
    let (images, labels) = (
        format!("{}/train-images-idx3-ubyte.gz", a.dir),
        format!("{}/train-labels-idx1-ubyte.gz", a.dir),
    );
    let limit = a.limit.map_or(String::new(), |n| format!("limit = {n}"));
    let data = if streamed {
        format!(
            "[task]\ntype = \"StreamedImageTask\"\n[task.args]\n\
             source = {{ type = \"Idx\", images = {images:?}, labels = {labels:?} }}\n\
             model = {{ type = \"ConvNet\", args = {{ channels = [8, 16], strides = [2, 2] }} }}\n\
             cache = {}\nbatch_size = 64\nlr = 0.01\nvalid_ratio = 0.1\n{limit}\n",
            a.cache
        )
    } else {
        format!(
            "[data]\ntype = \"Idx\"\n[data.args]\nimages = {images:?}\nlabels = {labels:?}\n\
             valid_ratio = 0.1\n{limit}\n\
             [model]\ntype = \"ConvNet\"\nargs = {{ channels = [8, 16], strides = [2, 2] }}\n\
             [trainer]\ntype = \"ImageClsTrainer\"\n\
             args = {{ optimizer = \"adam\", lr = 0.01, batch_size = 64, cosine = false, weight_decay = 0.0 }}\n"
        )
    };
    format!(
        "seed = 0\n{data}[construct.args]\ncandidates = [\"NC3\", \"SC3\"]\n\
         [optim]\ntype = \"RandomSearchOptim\"\n\
         [estim.search]\ntype = \"SubNetEstim\"\nargs = {{ epochs = {}, trials = {} }}\n",
        a.epochs, a.trials
    )
}

/// This process's peak resident memory in MiB.
fn peak_rss_mib() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM in /proc/self/status")?;
    let kib: f64 = line
        .split_whitespace()
        .nth(1)
        .context("VmHWM without a value")?
        .parse()?;
    Ok(kib / 1024.0)
}

/// One search here; prints `mode seconds peak_mib best_acc`.
fn run_one(a: &Args, mode: &str) -> Result<()> {
    let cfg = Config::from_toml(&config(a, mode == "streamed"), &[])?;
    let dir = tempfile::tempdir()?;
    let start = Instant::now();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {})?;
    let best = run.outcome.best.map_or(f64::NAN, |t| t.metrics["acc"]);
    let secs = start.elapsed().as_secs_f64();
    println!("{mode} {secs:.1} {:.0} {best:.4}", peak_rss_mib()?);
    Ok(())
}

fn main() -> Result<()> {
    let a = Args::parse();
    if let Some(mode) = &a.only {
        return run_one(&a, mode);
    }
    let images = format!("{}/train-images-idx3-ubyte.gz", a.dir);
    if !std::path::Path::new(&images).exists() {
        bail!("{images} is missing: `apt-get install dataset-fashion-mnist`, or pass --dir");
    }
    let n = a.limit.unwrap_or(60_000).min(60_000);
    let in_memory = (n * 28 * 28 * 4) as f64 / (1024.0 * 1024.0);
    println!(
        "Fashion-MNIST, {n} images: {in_memory:.0} MiB as f32; {} trials × {} epoch(s), cache {}",
        a.trials, a.epochs, a.cache
    );
    println!(
        "{:<10} {:>8} {:>10} {:>9}",
        "source", "seconds", "peak MiB", "best acc"
    );
    let mut peaks = vec![];
    for mode in ["streamed", "in-memory"] {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["--only", mode, "--dir", &a.dir])
            .args([
                "--cache",
                &a.cache.to_string(),
                "--trials",
                &a.trials.to_string(),
            ])
            .args(["--epochs", &a.epochs.to_string()]);
        if let Some(limit) = a.limit {
            cmd.args(["--limit", &limit.to_string()]);
        }
        let out = cmd.output()?;
        if !out.status.success() {
            bail!("{mode}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let text = String::from_utf8(out.stdout)?;
        let f: Vec<&str> = text.split_whitespace().collect();
        let [_, secs, peak, acc] = f[..] else {
            bail!("{mode} printed {text:?}");
        };
        println!("{mode:<10} {secs:>8} {peak:>10} {acc:>9}");
        peaks.push(peak.parse::<f64>()?);
    }
    println!(
        "peak memory, streamed / in-memory: {:.2}; streamed peak / data set as f32: {:.2}",
        peaks[0] / peaks[1],
        peaks[0] / in_memory
    );
    Ok(())
}
