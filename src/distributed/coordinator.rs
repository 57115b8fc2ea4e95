//! The coordinator's hold on a distributed run: its lock, its record in the trial storage,
//! and the results an earlier coordinator of the run had already used.

use super::StoreDispatch;
use crate::{Config, ModnasError, RunMode};
use modnas_estim::Trial;
use modnas_storage::{
    open_store, CoordinatorLock, RunPolicy, StorageError, TrialState, TrialStore,
};
use std::path::Path;

/// The SQLite file a run keeps in its directory when `storage = "sqlite"`.
pub const STORAGE_FILE: &str = "trials.db";

/// The storage address of `cfg` for a run in `dir`: `"sqlite"` means the run directory's own
/// file; `None` when the run is not distributed.
pub fn storage_url(cfg: &Config, dir: &Path) -> Option<String> {
    cfg.storage.as_ref().map(|s| match s.as_str() {
        "sqlite" => format!("sqlite://{}", dir.join(STORAGE_FILE).display()),
        other => other.to_string(),
    })
}

/// The run's name in the storage: `[workers] run`, or the run directory's name.
pub fn storage_run_name(cfg: &Config, dir: &Path) -> String {
    cfg.workers.run.clone().unwrap_or_else(|| {
        dir.file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned())
    })
}

/// A distributed run's coordinator, holding the run's lock while it lives.
pub(crate) struct Coordinator {
    /// Where trials go.
    pub dispatch: StoreDispatch,
    /// Results the optimizer had learned, in that order.
    pub replay: Vec<Trial>,
    _lock: Box<dyn CoordinatorLock>,
}

/// How long a resumed coordinator waits for the lock of a coordinator killed just before: the
/// store frees a killed one's lock once it sees its connection gone (PostgreSQL's backend
/// notices a moment after the kill).
const RESUME_LOCK_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Takes the run's coordinator lock; a resumed run tries again for [`RESUME_LOCK_GRACE`] before
/// it calls the run held by a live coordinator.
fn lock_run(
    store: &mut dyn TrialStore,
    run: &str,
    mode: RunMode,
) -> Result<Box<dyn CoordinatorLock>, ModnasError> {
    let deadline = std::time::Instant::now() + RESUME_LOCK_GRACE;
    loop {
        match store.lock_coordinator(run) {
            Err(StorageError::RunLocked { .. })
                if mode == RunMode::Resume && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return Ok(other?),
        }
    }
}

impl Coordinator {
    /// Opens the storage of `cfg` (`None` when the run is local), takes the run's coordinator
    /// lock and creates or takes up the run: a new run refuses a name that already holds
    /// trials; a resumed one replays what its storage recorded.
    pub(crate) fn start(
        cfg: &Config,
        dir: &Path,
        mode: RunMode,
    ) -> Result<Option<Self>, ModnasError> {
        let Some(url) = storage_url(cfg, dir) else {
            return Ok(None);
        };
        let run = storage_run_name(cfg, dir);
        let mut store = open_store(&url)?;
        let lock = lock_run(store.as_mut(), &run, mode)?;
        let policy = RunPolicy {
            heartbeat_timeout: cfg.workers.heartbeat_timeout,
            max_attempts: cfg.workers.max_attempts,
        };
        store.create_run(&run, &cfg.to_toml(), policy)?;
        let stored = store.trials(&run)?;
        if mode != RunMode::Resume && !stored.is_empty() {
            return Err(ModnasError::config(
                "workers.run",
                format!(
                    "run {run:?} in {} already holds {} trials: continue it with `--resume`, or give the new run another name",
                    store.describe(),
                    stored.len()
                ),
            ));
        }
        store.set_finished(&run, false)?;
        let (key, _) = cfg.objective();
        let mut stepped: Vec<(usize, Trial)> = stored
            .into_iter()
            .filter_map(|t| t.seq.map(|s| (s, t)))
            .map(|(s, t)| (s, stored_trial(t, &key)))
            .collect();
        stepped.sort_by_key(|(s, _)| *s);
        tracing::info!(run = %run, store = %store.describe(), replayed = stepped.len(), in_flight = cfg.workers.in_flight, "coordinating workers");
        let dispatch = StoreDispatch::new(store, &run, cfg.workers.in_flight, &key);
        Ok(Some(Self {
            dispatch,
            replay: stepped.into_iter().map(|(_, t)| t).collect(),
            _lock: lock,
        }))
    }

    /// Marks the run finished, so idle workers exit.
    pub(crate) fn finish(mut self) -> Result<(), ModnasError> {
        Ok(self.dispatch.finish_run()?)
    }
}

/// A stored trial as the journal and the optimizer see it: a trial that was given up has a NaN
/// `objective` and its attempts' reasons as its error.
pub fn stored_trial(t: modnas_storage::StoredTrial, objective: &str) -> Trial {
    match (t.state, t.result) {
        (TrialState::Done, Some(r)) => Trial {
            index: t.index,
            arch: t.arch,
            metrics: r.metrics,
            seconds: r.seconds,
            error: r.error,
            epochs: r.epochs,
            curve: r.curve,
            pruned: r.pruned,
            // Workers train every trial on all the data.
            data_fraction: None,
        },
        _ => Trial {
            index: t.index,
            arch: t.arch,
            metrics: [(objective.to_string(), f64::NAN)].into_iter().collect(),
            seconds: 0.0,
            error: Some(format!(
                "given up after {} attempts: {}",
                t.attempts,
                t.failures.unwrap_or_default().replace('\n', "; ")
            )),
            ..Trial::default()
        },
    }
}
