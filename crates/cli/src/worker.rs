//! `modnas worker`: evaluates the trials a coordinator queued in a trial storage; and the
//! local workers `modnas search --workers N` starts beside its coordinator.

use crate::init_logging;
use clap::Args;
use modnas::{distributed::run_worker, distributed::WorkerOptions, ModnasError};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `modnas worker`.
#[derive(Args)]
pub(crate) struct WorkerArgs {
    /// Trial storage of the run: `sqlite://PATH` (or a path) or `postgres://USER@HOST/DB`.
    #[arg(long)]
    storage: String,
    /// The run's name in the storage (by default the coordinator's run directory name; the
    /// coordinator logs it).
    #[arg(long)]
    run: String,
    /// Override a key of the run's config for this worker only: `-o data.args.root=/scratch/data`.
    #[arg(short = 'o', long = "override", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Device, overriding `backend.device` (cpu, wgpu, cuda, libtorch, libtorch-cuda).
    #[arg(long)]
    device: Option<String>,
    /// Seconds to wait for the coordinator to create the run.
    #[arg(long, default_value_t = 60.0, value_parser = seconds)]
    wait: f64,
    /// Stop after this many seconds without work, even if the run goes on.
    #[arg(long, value_parser = seconds)]
    idle_exit: Option<f64>,
    /// Stop after evaluating this many trials.
    #[arg(long)]
    max_trials: Option<usize>,
    /// The worker's name in the storage (default `HOST-PID`).
    #[arg(long)]
    name: Option<String>,
    /// Checkpoint each trial after every epoch in this directory (the coordinator's run
    /// directory, on a file system every worker sees): a trial taken back from a silent
    /// worker resumes there at its last epoch instead of training again.
    #[arg(long, value_name = "DIR")]
    checkpoints: Option<std::path::PathBuf>,
    /// Print nothing per trial.
    #[arg(short, long)]
    quiet: bool,
}

/// A duration in seconds: finite and not negative.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds (finite, at least 0)"
        )),
    }
}

/// Runs `modnas worker`.
pub(crate) fn worker(args: WorkerArgs) -> Result<(), ModnasError> {
    init_logging(None);
    let mut opts = WorkerOptions::new(&args.storage, &args.run);
    opts.overrides = args.overrides;
    if let Some(d) = args.device {
        opts.overrides.push(format!("backend.device=\"{d}\""));
    }
    opts.wait_for_run = Duration::from_secs_f64(args.wait);
    opts.idle_exit = args.idle_exit.map(Duration::from_secs_f64);
    opts.max_trials = args.max_trials;
    opts.name = args.name;
    opts.checkpoints = args.checkpoints;
    let quiet = args.quiet;
    let summary = run_worker(&opts, &mut |t| {
        if !quiet {
            match &t.error {
                None => println!(
                    "trial {}: {} ({:.1} s)",
                    t.index,
                    t.arch.summary(),
                    t.seconds
                ),
                Some(e) => println!("trial {} failed: {e}", t.index),
            }
        }
    })?;
    println!(
        "evaluated: {}, failed: {}, taken back: {}",
        summary.evaluated, summary.failed, summary.lost
    );
    Ok(())
}

/// Worker processes started on this machine for `modnas search --workers N`.
pub(crate) struct LocalWorkers {
    children: Vec<Child>,
}

impl LocalWorkers {
    /// Starts `n` workers for `run` of `storage`, on `device`, checkpointing their trials in
    /// the run directory `dir`.
    pub(crate) fn spawn(
        n: usize,
        (storage, run): (&str, &str),
        device: Option<&str>,
        dir: &std::path::Path,
    ) -> Result<Self, ModnasError> {
        let io = |path: &std::path::Path, source| ModnasError::Io {
            path: path.display().to_string(),
            source,
        };
        let exe = std::env::current_exe().map_err(|e| io(std::path::Path::new("modnas"), e))?;
        let mut children = Vec::with_capacity(n);
        for i in 0..n {
            let mut cmd = Command::new(&exe);
            cmd.args(["worker", "--quiet", "--storage", storage, "--run", run])
                .args(["--name", &format!("local-{}-{i}", std::process::id())])
                .arg("--checkpoints")
                .arg(dir)
                .stdout(Stdio::null());
            if let Some(d) = device {
                cmd.args(["--device", d]);
            }
            children.push(cmd.spawn().map_err(|e| io(&exe, e))?);
        }
        tracing::info!(workers = n, run, "local workers started");
        Ok(Self { children })
    }

    /// Waits for the workers, which exit once the run is finished; kills those still running
    /// after `grace`.
    pub(crate) fn finish(mut self, grace: Duration) {
        let start = Instant::now();
        while start.elapsed() < grace
            && self
                .children
                .iter_mut()
                .any(|c| matches!(c.try_wait(), Ok(None)))
        {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for LocalWorkers {
    fn drop(&mut self) {
        for c in &mut self.children {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_must_be_finite_and_not_negative() {
        assert_eq!(seconds("2.5"), Ok(2.5));
        assert!(seconds("-1").is_err() && seconds("NaN").is_err() && seconds("x").is_err());
    }
}
