//! A distributed run as its trial storage holds it: the finished trials, the ones waiting or
//! held, and the workers that hold them with the age of their last heartbeat.

use crate::DashboardError;
use modnas::estim::{EpochReport, Trial};
use modnas::storage::{open_store, StoredTrial, TrialState, TrialStore};
use serde::Serialize;

/// One worker as the storage knows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkerStatus {
    /// The worker's name.
    pub name: String,
    /// The trials it holds now.
    pub holding: Vec<usize>,
    /// Seconds since its last heartbeat on a trial it holds (`None` while it holds none).
    pub heartbeat_age: Option<f64>,
    /// Whether that heartbeat is older than the run's timeout (the trial is about to be taken
    /// back).
    pub silent: bool,
    /// Trials it finished.
    pub done: usize,
}

/// The state of a distributed run's trials and workers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkersView {
    /// The storage's address (no password).
    pub storage: String,
    /// The run's name there.
    pub run: String,
    /// Trials waiting for a worker.
    pub pending: usize,
    /// Trials held by a worker.
    pub running: usize,
    /// Trials with a result.
    pub done: usize,
    /// Trials given up.
    pub failed: usize,
    /// Seconds of silence after which a held trial is taken back.
    pub heartbeat_timeout: f64,
    /// Whether the coordinator has finished the run.
    pub finished: bool,
    /// Every worker that held a trial, by name.
    pub workers: Vec<WorkerStatus>,
    /// Why the storage cannot be read now (it is tried again); the counts are then empty.
    pub unreachable: Option<String>,
}

/// A run in a trial storage, re-read on each refresh.
pub struct StoreRun {
    store: Box<dyn TrialStore>,
    run: String,
    config: String,
    objective: String,
    stored: Vec<StoredTrial>,
    trials: Vec<Trial>,
    /// The epochs the workers reported, by trial and epoch.
    epochs: Vec<EpochReport>,
    /// Trials below this index are all finished: their reports are final and not read again.
    settled: usize,
    heartbeat_timeout: f64,
    finished: bool,
}

impl std::fmt::Debug for StoreRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreRun")
            .field("store", &self.store.describe())
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

/// Opens the storage at `url`. A SQLite file must exist: the dashboard only reads, and opening
/// a missing file would create an empty database.
pub(crate) fn open_existing(url: &str) -> Result<Box<dyn TrialStore>, DashboardError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).is_file() {
            return Err(DashboardError::NoStore {
                url: url.to_string(),
                reason: "no such file".into(),
            });
        }
    }
    open_store(url).map_err(|e| DashboardError::NoStore {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

impl StoreRun {
    /// Follows run `run` of `store`; an error when the storage holds no such run.
    pub fn open(mut store: Box<dyn TrialStore>, run: &str) -> Result<Self, DashboardError> {
        let stored = store.run(run).map_err(|e| store_error(&*store, e))?;
        let Some(stored) = stored else {
            let known = store.runs().unwrap_or_default();
            return Err(DashboardError::NoStoredRun {
                run: run.to_string(),
                storage: store.describe(),
                known: known.join(", "),
            });
        };
        let objective = modnas::Config::from_toml(&stored.config, &[])
            .map(|c| c.objective().0)
            .unwrap_or_else(|_| "acc".into());
        let mut view = Self {
            store,
            run: run.to_string(),
            config: stored.config,
            objective,
            stored: vec![],
            trials: vec![],
            epochs: vec![],
            settled: 0,
            heartbeat_timeout: stored.policy.heartbeat_timeout,
            finished: stored.finished,
        };
        view.refresh()?;
        Ok(view)
    }

    /// The run's config as the coordinator stored it (TOML).
    pub fn config(&self) -> &str {
        &self.config
    }

    /// The run's name in the storage.
    pub fn name(&self) -> &str {
        &self.run
    }

    /// Whether the coordinator has finished the run.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Reads the run's trials again.
    pub fn refresh(&mut self) -> Result<(), DashboardError> {
        let store = &mut self.store;
        let run = store.run(&self.run).map_err(|e| store_error(&**store, e))?;
        self.finished = run.is_some_and(|r| r.finished);
        self.stored = store
            .trials(&self.run)
            .map_err(|e| store_error(&**store, e))?;
        self.trials = self
            .stored
            .iter()
            .filter(|t| t.state.is_finished())
            .map(|t| modnas::distributed::stored_trial(t.clone(), &self.objective))
            .collect();
        // The reports of trials not settled yet are read again; earlier ones are kept. Read
        // after the trials: a worker records a trial's reports before its result, so a trial
        // seen finished here has all its reports in what follows.
        let fresh = store
            .reports_from(&self.run, self.settled)
            .map_err(|e| store_error(&**store, e))?;
        let settled = self.settled;
        self.epochs.retain(|r| r.trial < settled);
        self.epochs.extend(
            fresh
                .iter()
                .filter_map(|r| serde_json::from_str::<EpochReport>(&r.report).ok()),
        );
        self.settled = (self.stored.iter())
            .find(|t| !t.state.is_finished())
            .map_or_else(|| self.stored.len(), |t| t.index);
        Ok(())
    }

    /// The epochs the workers' trials reported, by trial and epoch: their learning curves.
    pub fn epochs(&self) -> &[EpochReport] {
        &self.epochs
    }

    /// The finished trials (done or given up), by index.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// Trial counts by state and the workers with what they hold.
    pub fn workers(&self) -> WorkersView {
        let mut view = WorkersView {
            storage: self.store.describe(),
            run: self.run.clone(),
            heartbeat_timeout: self.heartbeat_timeout,
            finished: self.finished,
            ..WorkersView::default()
        };
        for t in &self.stored {
            match t.state {
                TrialState::Pending => view.pending += 1,
                TrialState::Running => view.running += 1,
                TrialState::Done => view.done += 1,
                TrialState::Failed => view.failed += 1,
            }
            let Some(name) = &t.worker else { continue };
            let w = match view.workers.iter().position(|w| &w.name == name) {
                Some(i) => &mut view.workers[i],
                None => {
                    view.workers.push(WorkerStatus {
                        name: name.clone(),
                        holding: vec![],
                        heartbeat_age: None,
                        silent: false,
                        done: 0,
                    });
                    view.workers.last_mut().expect("just pushed")
                }
            };
            match t.state {
                TrialState::Running => {
                    w.holding.push(t.index);
                    let age = t.heartbeat_age.unwrap_or(0.0);
                    w.heartbeat_age = Some(w.heartbeat_age.map_or(age, |a: f64| a.min(age)));
                    w.silent = w.heartbeat_age.is_some_and(|a| a > self.heartbeat_timeout);
                }
                TrialState::Done => w.done += 1,
                _ => {}
            }
        }
        view.workers.sort_by(|a, b| a.name.cmp(&b.name));
        view
    }
}

fn store_error(store: &dyn TrialStore, e: modnas::storage::StorageError) -> DashboardError {
    DashboardError::NoStore {
        url: store.describe(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modnas::param_space::ArchDesc;
    use modnas::storage::RunPolicy;

    #[test]
    fn a_worker_silent_past_the_timeout_is_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", tmp.path().join("t.db").display());
        let mut store = open_store(&url).unwrap();
        let policy = RunPolicy {
            heartbeat_timeout: 0.05,
            max_attempts: 3,
        };
        store.create_run("r", "", policy).unwrap();
        store.submit("r", 0, &ArchDesc::new()).unwrap();
        store.claim("r", "quiet").unwrap().unwrap();
        let fresh = StoreRun::open(open_existing(&url).unwrap(), "r").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let late = StoreRun::open(open_existing(&url).unwrap(), "r").unwrap();
        let (before, after) = (&fresh.workers().workers[0], &late.workers().workers[0]);
        assert_eq!((before.silent, after.silent), (false, true));
        assert!(after.heartbeat_age.unwrap() >= 0.2 && after.holding == [0]);
        let e = StoreRun::open(open_existing(&url).unwrap(), "other").unwrap_err();
        assert!(e.to_string().contains("[r]"), "known runs listed: {e}");
    }
}
