//! The storage interface: runs, their trials and the states a trial moves through.

use crate::StorageError;
use modnas_core::MetricMap;
use modnas_param_space::ArchDesc;

/// Where a trial is in its life: `Pending` → `Running` (claimed by a worker, which
/// heartbeats) → `Done` | `Failed`. A running trial whose worker stops heartbeating goes back to
/// `Pending`; one that was given up `max_attempts` times ends `Failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrialState {
    /// Proposed by the coordinator, waiting for a worker.
    Pending,
    /// Claimed by a worker.
    Running,
    /// Evaluated; its result is stored.
    Done,
    /// Given up after too many attempts; the reasons are stored.
    Failed,
}

impl TrialState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Pending => "pending",
            TrialState::Running => "running",
            TrialState::Done => "done",
            TrialState::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, StorageError> {
        Ok(match s {
            "pending" => TrialState::Pending,
            "running" => TrialState::Running,
            "done" => TrialState::Done,
            "failed" => TrialState::Failed,
            other => {
                return Err(StorageError::Corrupt(format!(
                    "unknown trial state {other:?}"
                )))
            }
        })
    }

    /// Whether the trial has its final result.
    pub fn is_finished(self) -> bool {
        matches!(self, TrialState::Done | TrialState::Failed)
    }
}

/// How long a worker may stay silent and how often a trial may be given up, fixed per run by
/// its coordinator so that every process applies the same rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunPolicy {
    /// Seconds without a heartbeat after which a running trial is re-queued.
    pub heartbeat_timeout: f64,
    /// Attempts (claims) after which a trial that is given up again ends `Failed`.
    pub max_attempts: u32,
}

impl Default for RunPolicy {
    fn default() -> Self {
        Self {
            heartbeat_timeout: 30.0,
            max_attempts: 3,
        }
    }
}

/// A run as stored: its config, the rule its processes follow and whether it has ended.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRun {
    /// The run's name (unique in the database).
    pub name: String,
    /// The run's configuration (TOML), from which workers build their estimator.
    pub config: String,
    /// The heartbeat and retry rule.
    pub policy: RunPolicy,
    /// Whether the coordinator has finished: idle workers then exit.
    pub finished: bool,
}

/// What a worker reports for an evaluated trial.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialResult {
    /// The metrics (NaN allowed).
    pub metrics: MetricMap,
    /// Wall-clock seconds of the evaluation.
    pub seconds: f64,
    /// Why the architecture itself failed (its metrics are then NaN); `None` on success.
    pub error: Option<String>,
    /// Epochs the trial trained, when it reported them.
    pub epochs: Option<usize>,
    /// The objective after each epoch (higher better; NaN where an epoch had none).
    pub curve: Vec<f64>,
    /// Why a pruner stopped the trial.
    pub pruned: Option<String>,
}

/// The score a trial in training reported after an epoch ([`TrialStore::report_epoch`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochScore {
    /// The trial's index.
    pub index: usize,
    /// Epochs trained (from 1).
    pub epoch: usize,
    /// The objective, oriented so that higher is better (NaN allowed).
    pub score: f64,
}

/// An epoch a trial in training reported ([`TrialStore::record_report`]): the report as the
/// worker serialized it (JSON), which the coordinator hands to its event subscribers.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredReport {
    /// The trial's index.
    pub index: usize,
    /// Epochs trained (from 1).
    pub epoch: usize,
    /// The report, as JSON.
    pub report: String,
}

/// A trial as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTrial {
    /// The trial's index in the run (the order the coordinator proposed it).
    pub index: usize,
    /// The architecture.
    pub arch: ArchDesc,
    /// Where it is in its life.
    pub state: TrialState,
    /// How many times a worker claimed it.
    pub attempts: u32,
    /// The worker that holds or last held it.
    pub worker: Option<String>,
    /// The result, once `Done` (a `Failed` trial has none).
    pub result: Option<TrialResult>,
    /// Why attempts were given up (one line per attempt), or `None`.
    pub failures: Option<String>,
    /// The position in which the coordinator passed the trial to its optimizer, once it has.
    pub seq: Option<usize>,
    /// Seconds since the holding worker's last heartbeat (or its claim), on the database's
    /// clock; `None` for a trial never claimed.
    pub heartbeat_age: Option<f64>,
}

/// A trial handed to a worker by [`TrialStore::claim`].
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    /// The trial's index.
    pub index: usize,
    /// The architecture to evaluate.
    pub arch: ArchDesc,
    /// Which attempt this is (1 for the first claim).
    pub attempt: u32,
}

/// Held by the one coordinator of a run; released when dropped or when its process dies.
pub trait CoordinatorLock: Send {}

/// Trial storage shared by a run's coordinator and workers. Every call is one transaction, so
/// processes on many machines can use the same database at once; claiming is atomic.
///
/// Time (heartbeats, timeouts) is the database's clock, so the machines' clocks need not agree.
pub trait TrialStore: Send {
    /// The store's address for messages (no password).
    fn describe(&self) -> String;

    /// Creates the run, or returns the stored one when it exists (its config and policy are
    /// then the stored ones: the caller compares configs).
    fn create_run(
        &mut self,
        run: &str,
        config: &str,
        policy: RunPolicy,
    ) -> Result<StoredRun, StorageError>;

    /// The names of the stored runs, oldest first.
    fn runs(&mut self) -> Result<Vec<String>, StorageError>;

    /// The run, or `None` when no run of this name exists.
    fn run(&mut self, run: &str) -> Result<Option<StoredRun>, StorageError>;

    /// Marks the run finished (idle workers exit) or, for a resumed run, running again.
    fn set_finished(&mut self, run: &str, finished: bool) -> Result<(), StorageError>;

    /// Takes the run's coordinator lock, or fails with [`StorageError::RunLocked`] while another
    /// live process holds it.
    fn lock_coordinator(&mut self, run: &str) -> Result<Box<dyn CoordinatorLock>, StorageError>;

    /// Queues `arch` as trial `index`. Submitting the same architecture again under the same
    /// index does nothing (a restarted coordinator re-proposes what it had queued); another
    /// architecture is [`StorageError::Mismatch`].
    fn submit(&mut self, run: &str, index: usize, arch: &ArchDesc) -> Result<(), StorageError>;

    /// Atomically claims the pending trial of lowest index for `worker`; `None` when nothing is
    /// pending. No two workers ever hold the same trial.
    fn claim(&mut self, run: &str, worker: &str) -> Result<Option<Claimed>, StorageError>;

    /// Records that `worker` is still evaluating trial `index`; `false` when the trial is no
    /// longer the worker's (it was re-queued after a missed heartbeat).
    fn heartbeat(&mut self, run: &str, index: usize, worker: &str) -> Result<bool, StorageError>;

    /// Stores the result of trial `index`; `false` (nothing stored) when the trial is no longer
    /// the worker's.
    fn complete(
        &mut self,
        run: &str,
        index: usize,
        worker: &str,
        result: &TrialResult,
    ) -> Result<bool, StorageError>;

    /// Gives the worker's attempt at trial `index` up with `reason`: the trial is pending again,
    /// or failed when it has used its attempts. Returns the new state (`None` when the trial is no
    /// longer the worker's).
    fn give_up(
        &mut self,
        run: &str,
        index: usize,
        worker: &str,
        reason: &str,
    ) -> Result<Option<TrialState>, StorageError>;

    /// Re-queues (or fails, after `max_attempts`) the running trials whose worker has been silent
    /// longer than the run's heartbeat timeout; returns how many.
    fn requeue_stale(&mut self, run: &str) -> Result<usize, StorageError>;

    /// Finished trials the coordinator has not yet passed to its optimizer, by index.
    fn unstepped(&mut self, run: &str) -> Result<Vec<StoredTrial>, StorageError>;

    /// Records that trial `index` was passed to the optimizer as its `seq`-th result.
    fn mark_stepped(&mut self, run: &str, index: usize, seq: usize) -> Result<(), StorageError>;

    /// Records that trial `index` scored `score` after `epoch` epochs (its pruner's input; a
    /// second report of the same epoch replaces the first).
    fn report_epoch(
        &mut self,
        run: &str,
        index: usize,
        epoch: usize,
        score: f64,
    ) -> Result<(), StorageError>;

    /// Every epoch score the run's trials reported, by trial and epoch.
    fn epoch_scores(&mut self, run: &str) -> Result<Vec<EpochScore>, StorageError>;

    /// Records the report (JSON) trial `index` made after `epoch` epochs; a second report of
    /// the same epoch (a trial trained again) replaces the first.
    fn record_report(
        &mut self,
        run: &str,
        index: usize,
        epoch: usize,
        report: &str,
    ) -> Result<(), StorageError>;

    /// The reports of trials `from_index` and later, by trial and epoch: what the coordinator
    /// has not handed on yet lies there (the trials in flight).
    fn reports_from(
        &mut self,
        run: &str,
        from_index: usize,
    ) -> Result<Vec<StoredReport>, StorageError>;

    /// Every trial of the run, by index.
    fn trials(&mut self, run: &str) -> Result<Vec<StoredTrial>, StorageError>;
}

/// Serializes metrics for storage: JSON has no NaN, so a NaN is written as `null`.
pub(crate) fn metrics_json(metrics: &MetricMap) -> String {
    let m: indexmap::IndexMap<&str, Option<f64>> = metrics
        .iter()
        .map(|(k, v)| (k.as_str(), v.is_finite().then_some(*v)))
        .collect();
    serde_json::to_string(&m).unwrap_or_else(|_| "{}".into())
}

/// Reads metrics written by [`metrics_json`] (`null` back to NaN).
pub(crate) fn parse_metrics(text: &str) -> Result<MetricMap, StorageError> {
    let m: indexmap::IndexMap<String, Option<f64>> = serde_json::from_str(text)
        .map_err(|e| StorageError::Corrupt(format!("metrics {text:?}: {e}")))?;
    Ok(m.into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

/// The architecture as stored (JSON).
pub(crate) fn arch_json(arch: &ArchDesc) -> String {
    serde_json::to_string(arch).unwrap_or_else(|_| "{}".into())
}

/// Reads an architecture written by [`arch_json`].
pub(crate) fn parse_arch(text: &str) -> Result<ArchDesc, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("arch {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_ones_are_refused() {
        for s in [
            TrialState::Pending,
            TrialState::Running,
            TrialState::Done,
            TrialState::Failed,
        ] {
            assert_eq!(TrialState::parse(s.as_str()).unwrap(), s);
        }
        assert!(TrialState::parse("lost").is_err());
        assert!(TrialState::Done.is_finished() && !TrialState::Running.is_finished());
    }

    #[test]
    fn nan_metrics_survive_storage() {
        let mut m = MetricMap::new();
        m.insert("acc".into(), f64::NAN);
        m.insert("loss".into(), 0.5);
        let back = parse_metrics(&metrics_json(&m)).unwrap();
        assert!(back["acc"].is_nan());
        assert_eq!(back["loss"], 0.5);
        assert!(parse_metrics("[1]").is_err());
    }
}
