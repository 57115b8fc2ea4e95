//! The `modnas` command-line tool: `modnas search -c cfg.toml`, `modnas search --resume
//! RUN_DIR`, `modnas pipeline -c pipeline.toml`, `modnas report RUN_DIR`, `modnas list`,
//! `modnas plot-alphas RUN_DIR`, `modnas latency-lut -c cfg.toml`, `modnas compare -c matrix.toml`,
//! `modnas worker --storage URL --run NAME`.

mod batch;
mod lut;
mod progress;
mod worker;

use batch::{compare, pipeline, BatchArgs};
use lut::{latency_lut, LutCommand};
use worker::{LocalWorkers, WorkerArgs};

use clap::{Parser, Subcommand};
use modnas::{read_journal, run_search_in, Config, ModnasError, RunMode, CONFIG_FILE};
use progress::Progress;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "modnas",
    version,
    about = "Modular neural architecture search on Burn"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the search a TOML config describes, or continue an interrupted one.
    Search {
        /// The config file (with `--resume`: optional, and it must match the run's).
        #[arg(short, long, required_unless_present = "resume")]
        config: Option<PathBuf>,
        /// Continue the run in this directory: recorded trials are not evaluated again.
        /// Overrides may change only the budget (`estim.search.args.trials`, `max_seconds`)
        /// and the device.
        #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["out", "overwrite"])]
        resume: Option<PathBuf>,
        /// Replace the run already in `--out` instead of refusing.
        #[arg(long, requires = "out")]
        overwrite: bool,
        /// Override a config key: `-o estim.search.args.trials=8` (repeatable).
        #[arg(short = 'o', long = "override", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Run directory. Default: `runs/<config name>-<unix time>`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Device, overriding `backend.device` (cpu, wgpu, cuda, libtorch, libtorch-cuda).
        #[arg(long)]
        device: Option<String>,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
        /// Trial storage of a distributed run (sets `storage`): `sqlite` (in the run
        /// directory), `sqlite://PATH`, `postgres://USER@HOST/DB`.
        #[arg(long)]
        storage: Option<String>,
        /// Start this many `modnas worker` processes on this machine for the run (with
        /// `storage = "sqlite"` unless a storage is given).
        #[arg(long, default_value_t = 0)]
        workers: usize,
    },
    /// Evaluate the trials a distributed run queued in its trial storage, until the run ends.
    Worker(WorkerArgs),
    /// Summarise a run (finished or still running): counts, time and the best trials; also
    /// redraws `RUN_DIR/progress-<objective>.svg`.
    Report {
        /// The run directory.
        run_dir: PathBuf,
        /// How many of the best trials to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Run a pipeline file: named processes (searches, augment steps, tuning runs, nested
    /// pipelines), each after those it depends on, each in `OUT/<process>/`.
    Pipeline(BatchArgs),
    /// Run every search space × optimizer × seed of a comparison file and tabulate accuracy,
    /// compute time and efficiency (`OUT/compare.csv`, with plots).
    Compare(BatchArgs),
    /// Measure a latency lookup table: every candidate of every slot of the config's model,
    /// at the slot's input shape, on the config's device (for `LUTLatencyMetric`).
    LatencyLut {
        /// The config whose search space is measured.
        #[arg(short, long)]
        config: PathBuf,
        /// Where the table is written (TOML).
        #[arg(long, default_value = "latency_lut.toml")]
        out: PathBuf,
        /// Override a config key (repeatable).
        #[arg(short = 'o', long = "override", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Device, overriding `backend.device` (cpu, wgpu, cuda, libtorch, libtorch-cuda).
        #[arg(long)]
        device: Option<String>,
        /// Untimed runs per candidate.
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Timed runs per candidate.
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Images per forward pass.
        #[arg(long, default_value_t = 1)]
        batch: usize,
    },
    /// List every registered component by kind.
    List {
        /// Also print each component's description and its config keys with defaults.
        #[arg(long)]
        detail: bool,
    },
    /// Draw the α trajectory of one parameter of a supernet search (from `alphas.jsonl`) into
    /// `RUN_DIR/alphas-<param>.svg`.
    PlotAlphas {
        /// The run directory.
        run_dir: PathBuf,
        /// The parameter (default: the first one).
        #[arg(long)]
        param: Option<String>,
    },
}

pub(crate) fn default_out(config: &std::path::Path) -> PathBuf {
    let stem = config.file_stem().and_then(|s| s.to_str()).unwrap_or("run");
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut dir = PathBuf::from(format!("runs/{stem}-{secs}"));
    let mut n = 1;
    while dir.exists() {
        dir = PathBuf::from(format!("runs/{stem}-{secs}-{n}"));
        n += 1;
    }
    dir
}

/// Logs go to stderr (level from `MODNAS_LOG`, default `warn`) and, for a search, also to
/// `RUN_DIR/modnas.log` at `info` (or `MODNAS_LOG`), appended across resumes, once the run
/// has created its directory.
pub(crate) fn init_logging(run_dir: Option<&Path>) {
    use tracing_subscriber::{
        fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer,
    };
    let filter = |default: &str| {
        EnvFilter::try_from_env("MODNAS_LOG").unwrap_or_else(|_| EnvFilter::new(default))
    };
    // The log file is opened per event and never creates the directory: a run refused before
    // it starts leaves nothing behind.
    let file_layer = run_dir.map(|dir| {
        let path = dir.join("modnas.log");
        fmt::layer()
            .with_ansi(false)
            .with_writer(move || -> Box<dyn std::io::Write> {
                match std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                {
                    Ok(f) => Box::new(f),
                    Err(_) => Box::new(std::io::sink()),
                }
            })
            .with_filter(filter("info"))
    });
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter("warn"));
    let batches = progress::BatchLayer.with_filter(
        tracing_subscriber::filter::Targets::new()
            .with_target(modnas::estim::PROGRESS_TARGET, tracing::Level::TRACE),
    );
    tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .with(batches)
        .init();
}

/// Where and how `modnas search` runs.
struct Target {
    config: Option<PathBuf>,
    resume: Option<PathBuf>,
    out: Option<PathBuf>,
    overwrite: bool,
    storage: Option<String>,
    workers: usize,
}

fn search(
    target: Target,
    mut overrides: Vec<String>,
    device: Option<String>,
    quiet: bool,
) -> Result<(), ModnasError> {
    if let Some(d) = &device {
        overrides.push(format!("backend.device=\"{d}\""));
    }
    if let Some(s) = &target.storage {
        overrides.push(format!("storage={s:?}"));
    }
    let (mut cfg, dir, mode) = match (target.resume, target.config) {
        (Some(dir), config) => {
            let file = config.unwrap_or_else(|| dir.join(CONFIG_FILE));
            (Config::from_file(&file, &overrides)?, dir, RunMode::Resume)
        }
        (None, Some(config)) => {
            let mode = if target.overwrite {
                RunMode::Overwrite
            } else {
                RunMode::New
            };
            let dir = target.out.unwrap_or_else(|| default_out(&config));
            (Config::from_file(&config, &overrides)?, dir, mode)
        }
        (None, None) => unreachable!("clap requires --config unless --resume"),
    };
    init_logging(Some(&dir));
    if target.workers > 0 && cfg.storage.is_none() {
        cfg.storage = Some("sqlite".into());
    }
    let local = match modnas::storage_url(&cfg, &dir) {
        Some(url) if target.workers > 0 => {
            let run = modnas::storage_run_name(&cfg, &dir);
            Some(LocalWorkers::spawn(
                target.workers,
                &url,
                &run,
                device.as_deref(),
            )?)
        }
        _ => None,
    };
    let mut progress = Progress::new(&cfg, quiet);
    if mode == RunMode::Resume {
        progress.resume_from(&read_journal(&dir)?);
    }
    let run = run_search_in(&cfg, &dir, mode, &mut |trial| progress.on_trial(trial));
    progress.finish();
    if let Some(local) = local {
        local.finish(std::time::Duration::from_secs(30));
    }
    let run = run?;
    modnas::draw_run(&run.dir)?;
    println!("run directory: {}", run.dir.display());
    println!(
        "trials: {}, failed: {} (stopped: {:?})",
        run.outcome.trials, run.outcome.failed, run.outcome.stop
    );
    match &run.outcome.best {
        Some(best) => {
            println!("best trial: #{}", best.index);
            println!("best arch: {}", best.arch.summary());
            let metrics: Vec<String> = best
                .metrics
                .iter()
                .map(|(k, v)| format!("{k}={v:.6}"))
                .collect();
            println!("best metrics: {}", metrics.join(", "));
        }
        None if run.outcome.trials > 0 => println!("no trial succeeded"),
        None => println!("no trial was evaluated"),
    }
    Ok(())
}

fn report(dir: &std::path::Path, top: usize) -> Result<(), ModnasError> {
    let report = modnas::RunReport::load(dir)?;
    print!("{}", report.render(top));
    if let Some(best) = report.ranked().first() {
        println!("plot: {}", modnas::plot_progress(dir)?.display());
        if report.has_model {
            for svg in modnas::draw_arch(dir, &best.arch)? {
                println!("drawing: {}", svg.display());
            }
        }
    }
    if let Some(svg) = modnas::plot_pareto(dir)? {
        println!("plot: {}", svg.display());
    }
    Ok(())
}

fn list(detail: bool) {
    print!("{}", modnas::render_catalog(detail));
    println!("devices: {}", modnas::compiled_devices().join(", "));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Search {
            config,
            resume,
            overwrite,
            overrides,
            out,
            device,
            quiet,
            storage,
            workers,
        } => {
            let target = Target {
                config,
                resume,
                out,
                overwrite,
                storage,
                workers,
            };
            search(target, overrides, device, quiet)
        }
        Command::Worker(args) => worker::worker(args),
        Command::Report { run_dir, top } => {
            init_logging(None);
            report(&run_dir, top)
        }
        Command::Pipeline(b) => pipeline(&b),
        Command::Compare(b) => compare(&b),
        Command::LatencyLut {
            config,
            out,
            overrides,
            device,
            warmup,
            runs,
            batch,
        } => {
            init_logging(None);
            latency_lut(LutCommand {
                config,
                out,
                overrides,
                device,
                timing: modnas::metrics::TimingArgs {
                    warmup,
                    runs,
                    batch,
                },
            })
        }
        Command::List { detail } => {
            list(detail);
            Ok(())
        }
        Command::PlotAlphas { run_dir, param } => {
            init_logging(None);
            modnas::plot_alphas(&run_dir, param.as_deref()).map(|svg| println!("{}", svg.display()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}
