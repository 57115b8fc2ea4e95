//! Distributed search overhead: trials per second through the trial storage (SQLite) with 1,
//! 2 and 4 workers on a zero-cost table estimator, and the wall time of a 16-trial
//! `SubNetEstim` search with 1 and 2 worker processes.
//!
//! ```text
//! cargo build --release -p modnas-cli
//! cargo run --release --example bench_workers -- [--trials 400] [--subnet-trials 16] [--json out.json]
//! ```

use anyhow::{bail, Context, Result};
use clap::Parser;
use modnas::{distributed::run_worker, distributed::WorkerOptions, run_search, Config, RunMode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Distributed search overhead.
#[derive(Parser)]
struct Args {
    /// Table trials per throughput row.
    #[arg(long, default_value_t = 400)]
    trials: usize,
    /// Trials of the `SubNetEstim` rows.
    #[arg(long, default_value_t = 16)]
    subnet_trials: usize,
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

/// A table of `n` architectures (`a|b`) and a config that grid-searches it through `db`.
fn table_config(dir: &Path, n: usize, db: &Path, run: &str, in_flight: usize) -> Result<Config> {
    let side = (n as f64).sqrt().ceil() as usize;
    let mut csv = String::from("arch,acc\n");
    for a in 0..side {
        for b in 0..side {
            csv += &format!("{a}|{b},{}\n", (a * side + b) as f64 / (side * side) as f64);
        }
    }
    let table = dir.join("table.csv");
    std::fs::write(&table, csv)?;
    let choices: Vec<String> = (0..side).map(|i| i.to_string()).collect();
    let text = format!(
        r#"
storage = "sqlite://{}"
[workers]
run = "{run}"
in_flight = {in_flight}
[space.params]
a = {{ type = "Categorical", choices = [{c}] }}
b = {{ type = "Categorical", choices = [{c}] }}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "TabularEstim"
args = {{ path = "{}", trials = {n} }}
"#,
        db.display(),
        table.display(),
        c = choices.join(", ")
    );
    Ok(Config::from_toml(&text, &[])?)
}

/// Trials per second with `workers` worker threads (each with its own connection).
fn throughput(tmp: &Path, trials: usize, workers: usize) -> Result<f64> {
    let dir = tmp.join(format!("table-{workers}"));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    let run = format!("tput-{workers}");
    let cfg = table_config(&dir, trials, &db, &run, 2 * workers)?;
    let start = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let mut opts = WorkerOptions::new(&format!("sqlite://{}", db.display()), &run);
            opts.name = Some(format!("bench-{i}"));
            opts.poll = Duration::from_millis(20);
            std::thread::spawn(move || run_worker(&opts, &mut |_| {}))
        })
        .collect();
    let out = run_search(&cfg, &dir.join("run"), RunMode::New, &mut |_| {})?;
    let secs = start.elapsed().as_secs_f64();
    for h in handles {
        h.join()
            .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
    }
    if out.outcome.trials != trials {
        bail!("{} trials instead of {trials}", out.outcome.trials);
    }
    Ok(trials as f64 / secs)
}

/// Wall time of `modnas search --workers N` on a 16-trial SubNetEstim search.
fn subnet_wall(tmp: &Path, trials: usize, workers: usize) -> Result<f64> {
    let exe: PathBuf = std::env::current_exe()?
        .parent()
        .and_then(Path::parent)
        .context("examples directory")?
        .join("modnas");
    if !exe.is_file() {
        bail!(
            "{} not found: run `cargo build --release -p modnas-cli` first",
            exe.display()
        );
    }
    let dir = tmp.join(format!("subnet-{workers}"));
    std::fs::create_dir_all(&dir)?;
    let cfg = dir.join("c.toml");
    let text = std::fs::read_to_string("examples/configs/quickstart.toml")?;
    std::fs::write(&cfg, text)?;
    let start = Instant::now();
    let status = std::process::Command::new(&exe)
        .args(["search", "-q", "-c"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.join("run"))
        .args(["--storage", "sqlite", "--workers", &workers.to_string()])
        .args(["-o", &format!("estim.search.args.trials={trials}")])
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("modnas search --workers {workers} failed");
    }
    Ok(start.elapsed().as_secs_f64())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let tmp = std::env::temp_dir().join(format!("modnas-bench-workers-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut rows = vec![];
    println!(
        "zero-cost table trials through SQLite ({} trials)",
        args.trials
    );
    for workers in [1, 2, 4] {
        let tps = throughput(&tmp, args.trials, workers)?;
        println!("  {workers} worker(s): {tps:8.1} trials/s");
        rows.push(serde_json::json!({ "bench": "table", "workers": workers, "trials_per_s": tps }));
    }
    println!(
        "SubNetEstim, quickstart config, {} trials",
        args.subnet_trials
    );
    let mut walls = vec![];
    for workers in [1, 2] {
        let wall = subnet_wall(&tmp, args.subnet_trials, workers)?;
        println!("  {workers} worker process(es): {wall:7.1} s");
        rows.push(serde_json::json!({ "bench": "subnet", "workers": workers, "wall_s": wall }));
        walls.push(wall);
    }
    println!("  speed-up with 2 workers: {:.2}x", walls[0] / walls[1]);
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&rows)?)?;
    }
    std::fs::remove_dir_all(&tmp).ok();
    Ok(())
}
