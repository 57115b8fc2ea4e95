//! The modnas command-line interface as a library: [`main`] is the whole `modnas` tool —
//! `search` (and `--resume`, `--workers N`), `worker`, `report`, `pipeline`, `compare`,
//! `latency-lut`, `list`, `plot-alphas` — with its flags, exit codes (2 for bad input), progress
//! bars and `modnas.log`. The `modnas` binary is one line around it, and so is a user's own:
//! a binary that links its crate's candidates, models, optimizers, metrics and estimators
//! (registered with `register_candidate!` and the like) gets every command with them.
//!
//! ```no_run
//! // src/main.rs of a crate that registers its own components
//! fn main() -> std::process::ExitCode {
//!     modnas_cli::main()
//! }
//! ```
//!
//! `search --workers N` starts N copies of the running executable as workers, so they know the
//! same components.

mod batch;
mod dashboard;
mod logging;
mod lut;
mod progress;
mod worker;

use batch::{compare, pipeline, BatchArgs};
pub(crate) use logging::init_logging;
use lut::{latency_lut, LutCommand};
use worker::{LocalWorkers, WorkerArgs};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use modnas::{run::read_journal, run::CONFIG_FILE, run_search_with, Config, ModnasError, RunMode};
use progress::Progress;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

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
        /// Serve the live dashboard of this run on 127.0.0.1 while it runs (port 8080, or the
        /// one given; 0 takes a free one). Its URL is printed to stderr.
        #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "8080")]
        dashboard: Option<u16>,
    },
    /// Evaluate the trials a distributed run queued in its trial storage, until the run ends.
    Worker(WorkerArgs),
    /// Serve a live web view of runs (status, trials, curves, α, Pareto front, architectures)
    /// on 127.0.0.1 until interrupted.
    Dashboard(dashboard::DashboardArgs),
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
    /// Write the network a run trained (`model.bpk`, from `DefaultEstim` or an augment step)
    /// as ONNX, checked in tract: its output is compared with Burn's on a seeded input.
    Export {
        /// The run directory.
        run_dir: PathBuf,
        /// The format (only `onnx` so far).
        #[arg(long, default_value = "onnx", value_parser = ["onnx"])]
        format: String,
        /// Where the file is written (default: `RUN_DIR/model.onnx`).
        #[arg(long)]
        out: Option<PathBuf>,
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

/// Parses the arguments, naming the program as its first argument does.
fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let name = args
        .first()
        .and_then(|a| Path::new(a).file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("modnas")
        .to_string();
    let matches = Cli::command()
        .name(name.clone())
        .bin_name(name)
        .try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
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

/// Where and how `modnas search` runs.
struct Target {
    config: Option<PathBuf>,
    resume: Option<PathBuf>,
    out: Option<PathBuf>,
    overwrite: bool,
    storage: Option<String>,
    workers: usize,
    dashboard: Option<u16>,
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
    let local = match modnas::distributed::storage_url(&cfg, &dir) {
        Some(url) if target.workers > 0 => {
            let run = modnas::distributed::storage_run_name(&cfg, &dir);
            Some(LocalWorkers::spawn(
                target.workers,
                (&url, &run),
                device.as_deref(),
                &dir,
            )?)
        }
        _ => None,
    };
    if let Some(port) = target.dashboard {
        dashboard::serve_beside(dir.clone(), port);
    }
    let mut progress = Progress::new(&cfg, quiet);
    if mode == RunMode::Resume {
        progress.resume_from(&read_journal(&dir)?);
    }
    let progress = Arc::new(Mutex::new(progress));
    let events = Box::new(progress::ProgressEvents(progress.clone()));
    let run = run_search_with(&cfg, &dir, mode, events);
    if let Ok(progress) = progress.lock() {
        progress.finish();
    }
    if let Some(local) = local {
        local.finish(std::time::Duration::from_secs(30));
    }
    let run = run?;
    // The run is finished and recorded: a drawing that cannot be written does not fail it.
    if let Err(e) = modnas::draw_run(&run.dir) {
        eprintln!("warning: the run is recorded, but its drawings are not: {e}");
    }
    println!("run directory: {}", run.dir.display());
    println!(
        "trials: {}, failed: {}, repeats answered from records: {} (stopped: {:?})",
        run.outcome.trials, run.outcome.failed, run.outcome.repeats, run.outcome.stop
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
    let report = modnas::run::RunReport::load(dir)?;
    print!("{}", report.render(top));
    if let Some(best) = report.ranked().first() {
        println!("plot: {}", modnas::viz::plot_progress(dir)?.display());
        if report.has_model {
            for svg in modnas::viz::draw_arch(dir, &best.arch)? {
                println!("drawing: {}", svg.display());
            }
        }
    }
    if let Some(svg) = modnas::viz::plot_pareto(dir)? {
        println!("plot: {}", svg.display());
    }
    Ok(())
}

fn list(detail: bool) {
    print!("{}", modnas::catalog::render_catalog(detail));
    println!("devices: {}", modnas::config::compiled_devices().join(", "));
}

/// Runs the command line of this process (`std::env::args`) and returns its exit code:
/// 0 on success, 2 when the input (flags, config, run directory) is wrong, 1 on other
/// failures. Errors are printed to stderr.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] with the given arguments, the first being the program name (shown in help and
/// usage messages).
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit code 0, and usage errors to
            // stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
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
            dashboard,
        } => {
            let target = Target {
                config,
                resume,
                out,
                overwrite,
                storage,
                workers,
                dashboard,
            };
            search(target, overrides, device, quiet)
        }
        Command::Worker(args) => worker::worker(args),
        Command::Dashboard(args) => return dashboard::dashboard(args),
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
        Command::Export {
            run_dir,
            format: _,
            out,
        } => {
            init_logging(None);
            let out = out.unwrap_or_else(|| run_dir.join(modnas::run::ONNX_FILE));
            modnas::export_trained_onnx(&run_dir, &out).map(|check| {
                println!(
                    "{}: {} ONNX nodes (opset {}); tract's output is within {:.1e} of Burn's",
                    out.display(),
                    check.nodes,
                    modnas::export::OPSET,
                    check.max_abs_diff
                )
            })
        }
        Command::List { detail } => {
            list(detail);
            Ok(())
        }
        Command::PlotAlphas { run_dir, param } => {
            init_logging(None);
            modnas::viz::plot_alphas(&run_dir, param.as_deref())
                .map(|svg| println!("{}", svg.display()))
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
