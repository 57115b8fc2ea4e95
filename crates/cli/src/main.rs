//! The `modnas` command-line tool: `modnas search -c cfg.toml`, `modnas search --resume
//! RUN_DIR`, `modnas report RUN_DIR`, `modnas list`, `modnas plot-alphas RUN_DIR`.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use modnas::{read_journal, run_search_in, Config, ModnasError, RunMode, CONFIG_FILE};
use std::path::PathBuf;
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
        /// Device, overriding `backend.device` (cpu, wgpu, cuda).
        #[arg(long)]
        device: Option<String>,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Summarise a run (finished or still running): counts, time and the best trials; also
    /// redraws `RUN_DIR/progress-<objective>.svg`.
    Report {
        /// The run directory.
        run_dir: PathBuf,
        /// How many of the best trials to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// List every registered component by kind.
    List,
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

fn default_out(config: &std::path::Path) -> PathBuf {
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

fn progress(cfg: &Config, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // Supernet searches report one trial per epoch.
    let unit = if cfg.estim.search.type_name == "SuperNetEstim" {
        "epochs"
    } else {
        "trials"
    };
    let total = cfg.estim.search.args.get(unit).and_then(|v| v.as_integer());
    let bar = match total {
        Some(n) if n > 0 => ProgressBar::new(n as u64),
        _ => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {unit} {{pos}}/{{len}} [{{elapsed_precise}}] {{msg}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// Where and how `modnas search` runs.
struct Target {
    config: Option<PathBuf>,
    resume: Option<PathBuf>,
    out: Option<PathBuf>,
    overwrite: bool,
}

fn search(
    target: Target,
    mut overrides: Vec<String>,
    device: Option<String>,
    quiet: bool,
) -> Result<(), ModnasError> {
    if let Some(d) = device {
        overrides.push(format!("backend.device=\"{d}\""));
    }
    let (cfg, dir, mode) = match (target.resume, target.config) {
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
    let bar = progress(&cfg, quiet);
    let mut best_acc = f64::NEG_INFINITY;
    if mode == RunMode::Resume {
        let done = read_journal(&dir)?;
        bar.set_position(done.len() as u64);
        for acc in done.iter().filter_map(|t| t.metrics.get("acc")) {
            best_acc = best_acc.max(*acc);
        }
    }
    let run = run_search_in(&cfg, &dir, mode, &mut |trial| {
        if let Some(acc) = trial.metrics.get("acc") {
            best_acc = best_acc.max(*acc);
            bar.set_message(format!("best acc {best_acc:.4}"));
        }
        bar.inc(1);
    })?;
    bar.finish_and_clear();
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
        None => println!("no trial was evaluated"),
    }
    Ok(())
}

fn report(dir: &std::path::Path, top: usize) -> Result<(), ModnasError> {
    let report = modnas::RunReport::load(dir)?;
    print!("{}", report.render(top));
    if !report.ranked().is_empty() {
        println!("plot: {}", modnas::plot_progress(dir)?.display());
    }
    Ok(())
}

fn list() {
    let kinds: [(&str, Vec<&str>); 7] = [
        ("candidates", modnas::construct::candidate_names()),
        ("mixed ops", modnas::construct::mixed_op_names()),
        ("models", modnas::construct::model_names()),
        ("optimizers", modnas::optim::optim_names()),
        ("estimators", modnas::estim::estim_names()),
        ("metrics", modnas::metrics::metric_names()),
        ("data", modnas::estim::data::DATA_TYPES.to_vec()),
    ];
    for (kind, names) in kinds {
        println!("{kind}: {}", names.join(", "));
    }
    println!("devices: {}", modnas::compiled_devices().join(", "));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MODNAS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Search {
            config,
            resume,
            overwrite,
            overrides,
            out,
            device,
            quiet,
        } => {
            let target = Target {
                config,
                resume,
                out,
                overwrite,
            };
            search(target, overrides, device, quiet)
        }
        Command::Report { run_dir, top } => report(&run_dir, top),
        Command::List => {
            list();
            Ok(())
        }
        Command::PlotAlphas { run_dir, param } => {
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
