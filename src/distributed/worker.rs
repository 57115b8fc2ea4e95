//! A worker process (`modnas worker`): it claims the pending trials of a run from the trial
//! storage, evaluates each with the run's own config, heartbeats while it works, and stores
//! the result.

use super::storage_pruner::StoragePruner;
use crate::run::paired::Paired;
use crate::run::setup::SearchSetup;
use crate::{Config, ModnasError};
use modnas_estim::{
    evaluate_reported, remove_trial_checkpoint, trial_checkpoint_dir, EstimError, EventSink, Mode,
    Objective, Pruning, RunEvent, Trial, TrialObserver, TrialReporter,
};
use modnas_storage::{open_store, Claimed, StorageError, TrialResult, TrialStore};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How a worker finds its run and when it stops.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// The trial storage's address (`sqlite://PATH`, a path, or `postgres://…`).
    pub storage: String,
    /// The run's name in the storage.
    pub run: String,
    /// Config overrides for this worker only (`backend.device=wgpu`, a local data path).
    pub overrides: Vec<String>,
    /// How long to wait for the run to appear (workers may start before their coordinator).
    pub wait_for_run: Duration,
    /// The longest wait between two looks for pending trials while idle.
    pub poll: Duration,
    /// Stop after this long without work even if the run has not finished (`None`: wait
    /// until the coordinator marks it finished).
    pub idle_exit: Option<Duration>,
    /// Stop after evaluating this many trials.
    pub max_trials: Option<usize>,
    /// The worker's name in the storage (default `HOST-PID`).
    pub name: Option<String>,
    /// Where trials checkpoint after every epoch: the run directory, seen by every worker
    /// that may take a trial over (local workers, or a shared file system). A trial taken
    /// back from a silent worker then resumes at its last epoch on the next one. `None`:
    /// trials do not checkpoint, and a taken-back trial trains again from the start.
    pub checkpoints: Option<std::path::PathBuf>,
}

impl WorkerOptions {
    /// Options for `run` in `storage`, with the defaults: wait 60 s for the run, poll every
    /// 0.5 s, run until the run finishes.
    pub fn new(storage: &str, run: &str) -> Self {
        Self {
            storage: storage.to_string(),
            run: run.to_string(),
            overrides: vec![],
            wait_for_run: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            idle_exit: None,
            max_trials: None,
            name: None,
            checkpoints: None,
        }
    }
}

/// What a worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Trials evaluated and stored.
    pub evaluated: usize,
    /// Of those, trials whose architecture failed (recorded with an error).
    pub failed: usize,
    /// Of those, trials the run's pruner stopped.
    pub pruned: usize,
    /// Trials taken back from this worker before it finished them (it missed heartbeats); their
    /// results were discarded.
    pub lost: usize,
}

/// `HOST-PID`: unique among the live processes of a cluster.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    format!("{}-{}", host.trim(), std::process::id())
}

struct NoJournal;

impl TrialObserver for NoJournal {
    fn on_trial(&mut self, _: &Trial) -> Result<(), EstimError> {
        Ok(())
    }
}

/// Heartbeats trial `index` from a thread with its own connection until dropped.
struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    fn start(opts: &WorkerOptions, worker: &str, index: usize, every: Duration) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        let (url, run, worker) = (opts.storage.clone(), opts.run.clone(), worker.to_string());
        let thread = std::thread::spawn(move || {
            let mut store = match open_store(&url) {
                Ok(s) => s,
                Err(e) => return tracing::error!(error = %e, "heartbeat: cannot open the storage"),
            };
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                match store.heartbeat(&run, index, &worker) {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(trial = index, "this trial was taken back from this worker");
                        return;
                    }
                    Err(e) => tracing::warn!(trial = index, error = %e, "heartbeat failed"),
                }
            }
        });
        Self {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens the storage, retrying for `wait_for_run` while it cannot be reached (a database
/// server still starting, the coordinator's run directory not yet created).
fn open_waiting(opts: &WorkerOptions) -> Result<Box<dyn TrialStore>, ModnasError> {
    let start = Instant::now();
    loop {
        match open_store(&opts.storage) {
            Ok(store) => return Ok(store),
            Err(e @ StorageError::Open { .. }) if start.elapsed() < opts.wait_for_run => {
                tracing::debug!(error = %e, "storage not reachable yet");
                std::thread::sleep(opts.poll);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Waits until the coordinator has created `opts.run`, then returns its config.
fn wait_for_config(
    store: &mut dyn TrialStore,
    opts: &WorkerOptions,
) -> Result<modnas_storage::StoredRun, ModnasError> {
    let start = Instant::now();
    loop {
        if let Some(run) = store.run(&opts.run)? {
            return Ok(run);
        }
        if start.elapsed() >= opts.wait_for_run {
            return Err(StorageError::NoRun {
                run: opts.run.clone(),
                store: store.describe(),
            }
            .into());
        }
        std::thread::sleep(opts.poll);
    }
}

/// Where a worker's trials send their events: each `epoch_reported` is recorded in the trial
/// storage (a connection of its own), from which the coordinator hands it to its subscribers
/// (callbacks, `epochs.jsonl` and the dashboard's live curves).
fn report_sink(store: Box<dyn TrialStore>, run: &str) -> EventSink {
    let store = Mutex::new(store);
    let run = run.to_string();
    Arc::new(move |event: &RunEvent| {
        let RunEvent::EpochReported { report } = event else {
            return Ok(());
        };
        let json = serde_json::to_string(report).map_err(|e| EstimError::Record(e.to_string()))?;
        let mut store = (store.lock())
            .map_err(|_| EstimError::Record("the report connection was poisoned".into()))?;
        (store.record_report(&run, report.trial, report.epoch, &json))
            .map_err(|e| EstimError::Record(e.to_string()))
    })
}

/// Runs a worker until its run finishes (or `idle_exit` / `max_trials`); `on_trial` sees
/// each trial it stored.
pub fn run_worker(
    opts: &WorkerOptions,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<WorkerSummary, ModnasError> {
    let mut store = open_waiting(opts)?;
    let stored = wait_for_config(store.as_mut(), opts)?;
    let cfg = Config::from_toml(&stored.config, &opts.overrides)?;
    let (setup, estim) = SearchSetup::new(&cfg)?;
    crate::config::validate::require_distributable(&cfg, estim.trials(), "estim.search.type")?;
    let optim = crate::run::search::build_search_optim(&cfg, &setup.space)?;
    let paired = Paired::new(&cfg, &setup.space, estim, optim)?;
    let Paired::Trials { estim, mut optim } = paired else {
        return Err(ModnasError::config(
            "estim.search.type",
            "a supernet estimator trains in one process; workers evaluate trials",
        ));
    };
    let builder = |arch: &_| setup.build_net(arch);
    let mut observer = NoJournal;
    let ctx = setup.context(&builder, optim.as_mut(), &mut observer);
    let name = opts.name.clone().unwrap_or_else(default_name);
    let every = Duration::from_secs_f64((stored.policy.heartbeat_timeout / 3.0).max(0.05));
    let (key, maximize) = cfg.objective();
    let objective = Objective {
        key,
        mode: if maximize { Mode::Max } else { Mode::Min },
    };
    // The run's pruner judges this worker's epochs by every worker's curves in the storage.
    let mut pruning = match crate::config::validate::build_pruner(&cfg)? {
        Some(inner) => {
            let shared = StoragePruner::new(inner, open_store(&opts.storage)?, &opts.run);
            Some(Pruning::new(Box::new(shared)))
        }
        None => None,
    };
    let reports = report_sink(open_store(&opts.storage)?, &opts.run);
    tracing::info!(worker = %name, run = %opts.run, store = %store.describe(), "worker started");
    let mut summary = WorkerSummary::default();
    let mut idle_since = Instant::now();
    // Idle polling starts fast and slows down to `opts.poll`.
    let first_poll = Duration::from_millis(10).min(opts.poll);
    let mut poll = first_poll;
    while opts.max_trials.is_none_or(|m| summary.evaluated < m) {
        store.requeue_stale(&opts.run)?;
        let Some(Claimed {
            index,
            arch,
            attempt,
        }) = store.claim(&opts.run, &name)?
        else {
            let finished = store.run(&opts.run)?.is_none_or(|r| r.finished);
            if finished || opts.idle_exit.is_some_and(|d| idle_since.elapsed() >= d) {
                break;
            }
            std::thread::sleep(poll);
            poll = (poll * 2).min(opts.poll);
            continue;
        };
        poll = first_poll;
        tracing::info!(worker = %name, trial = index, attempt, arch = %arch.summary(), "trial claimed");
        let t0 = Instant::now();
        let outcome = {
            let _beat = Heartbeat::start(opts, &name, index, every);
            let sink = Some(reports.clone());
            let mut reporter = TrialReporter::new(index, &objective, pruning.as_mut(), sink);
            if let Some(dir) = &opts.checkpoints {
                reporter = reporter.with_checkpoints(trial_checkpoint_dir(dir, index));
            }
            evaluate_reported(&objective.key, &mut reporter, |reporter| {
                estim.evaluate_trial(&ctx, &arch, index, reporter)
            })
        };
        let reported = match outcome {
            Ok(r) => r,
            Err(e) => {
                // An error of the run, not of this architecture (a data file this machine
                // lacks, say): another worker may succeed, this one stops.
                store.give_up(&opts.run, index, &name, &e.to_string())?;
                return Err(e.into());
            }
        };
        let result = TrialResult {
            metrics: reported.metrics,
            seconds: t0.elapsed().as_secs_f64(),
            error: reported.error,
            epochs: reported.epochs,
            curve: reported.curve,
            pruned: reported.pruned,
        };
        if store.complete(&opts.run, index, &name, &result)? {
            // Recorded: its checkpoints are no longer needed (a worker that took it over
            // meanwhile never gets here, and leaves them to the holder).
            if let Some(dir) = &opts.checkpoints {
                let path = trial_checkpoint_dir(dir, index);
                if let Err(e) = remove_trial_checkpoint(&path) {
                    tracing::warn!(path = %path.display(), error = %e, "a recorded trial's checkpoints are left behind");
                }
            }
            summary.evaluated += 1;
            summary.failed += usize::from(result.error.is_some());
            summary.pruned += usize::from(result.pruned.is_some());
            on_trial(&Trial {
                index,
                arch,
                metrics: result.metrics,
                seconds: result.seconds,
                error: result.error,
                epochs: result.epochs,
                curve: result.curve,
                pruned: result.pruned,
                data_fraction: None,
            });
        } else {
            summary.lost += 1;
            tracing::warn!(worker = %name, trial = index, "the trial was re-queued while this worker evaluated it (missed heartbeats); its result is discarded");
        }
        idle_since = Instant::now();
    }
    tracing::info!(worker = %name, evaluated = summary.evaluated, lost = summary.lost, "worker stopped");
    Ok(summary)
}
