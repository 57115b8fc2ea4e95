//! The coordinator's side of a distributed run: trials go to the run's trial storage as
//! pending rows, and results come back as workers store them.

use super::coordinator::stored_trial;
use modnas_estim::{EpochReport, EstimError, EventSink, RunEvent, Trial, TrialDispatch};
use modnas_param_space::ArchDesc;
use modnas_storage::{StoredTrial, TrialStore};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The coordinator looks for results after 2 ms, then waits twice as long each time nothing
/// came, up to 200 ms: fast trials are collected quickly, slow ones cost few queries.
const FIRST_POLL: Duration = Duration::from_millis(2);
const MAX_POLL: Duration = Duration::from_millis(200);
/// How long the coordinator waits without results before it says so.
const QUIET_WARNING: Duration = Duration::from_secs(60);

/// A [`TrialDispatch`] on a [`TrialStore`].
pub struct StoreDispatch {
    store: Box<dyn TrialStore>,
    run: String,
    capacity: usize,
    objective: String,
    submitted: BTreeSet<usize>,
    ready: VecDeque<Trial>,
    returned: BTreeSet<usize>,
    last_news: Instant,
    /// The last epoch of each trial in flight whose report went to the subscribers.
    forwarded: BTreeMap<usize, usize>,
}

impl StoreDispatch {
    /// Dispatches `run`'s trials through `store`, `capacity` at a time; a trial given up by the
    /// workers gets a NaN `objective`.
    pub fn new(store: Box<dyn TrialStore>, run: &str, capacity: usize, objective: &str) -> Self {
        Self {
            store,
            run: run.to_string(),
            capacity,
            objective: objective.to_string(),
            submitted: BTreeSet::new(),
            ready: VecDeque::new(),
            returned: BTreeSet::new(),
            last_news: Instant::now(),
            forwarded: BTreeMap::new(),
        }
    }

    /// Marks the run finished once the search ends, so idle workers exit.
    pub fn finish_run(&mut self) -> Result<(), modnas_storage::StorageError> {
        self.store.set_finished(&self.run, true)
    }

    /// Hands the epochs the workers reported for the trials in flight, not handed on before,
    /// to `sink`, in order of trial and epoch.
    fn forward_reports(&mut self, sink: &EventSink) -> Result<(), EstimError> {
        let in_flight = |i: &usize| self.submitted.contains(i) && !self.returned.contains(i);
        let Some(&first) = self.submitted.iter().find(|i| in_flight(i)) else {
            return Ok(());
        };
        let reports = (self.store.reports_from(&self.run, first)).map_err(record_error)?;
        for stored in reports {
            let done = self.forwarded.get(&stored.index).copied().unwrap_or(0);
            if !in_flight(&stored.index) || stored.epoch <= done {
                continue;
            }
            let report: EpochReport = serde_json::from_str(&stored.report).map_err(|e| {
                EstimError::Record(format!(
                    "trial {}'s report of epoch {} in the storage: {e}",
                    stored.index, stored.epoch
                ))
            })?;
            self.forwarded.insert(stored.index, stored.epoch);
            sink(&RunEvent::EpochReported { report })?;
        }
        Ok(())
    }

    /// After [`QUIET_WARNING`] without results: a warning when no worker holds any trial
    /// (none are running, or all died), a note when workers are busy with long trials.
    fn report_quiet(&mut self) -> Result<(), EstimError> {
        let running = self
            .store
            .trials(&self.run)
            .map_err(record_error)?
            .iter()
            .filter(|t| t.state == modnas_storage::TrialState::Running)
            .count();
        let secs = QUIET_WARNING.as_secs();
        if running == 0 {
            tracing::warn!(run = %self.run, store = %self.store.describe(), "no worker has claimed a trial for {secs} s: start some with `modnas worker --storage <url> --run {}`", self.run);
        } else {
            tracing::info!(run = %self.run, running, "waiting for workers' results");
        }
        Ok(())
    }
}

fn record_error(e: modnas_storage::StorageError) -> EstimError {
    EstimError::Record(e.to_string())
}

impl TrialDispatch for StoreDispatch {
    fn capacity(&self) -> usize {
        self.capacity
    }

    fn submit(&mut self, index: usize, arch: &ArchDesc) -> Result<(), EstimError> {
        self.store
            .submit(&self.run, index, arch)
            .map_err(record_error)?;
        self.submitted.insert(index);
        Ok(())
    }

    fn next_result(&mut self, sink: Option<&EventSink>) -> Result<Trial, EstimError> {
        let mut poll = FIRST_POLL;
        loop {
            if let Some(sink) = sink {
                self.forward_reports(sink)?;
            }
            if let Some(t) = self.ready.pop_front() {
                self.returned.insert(t.index);
                self.forwarded.remove(&t.index);
                return Ok(t);
            }
            // Any process may take back the trials of silent workers; the coordinator does it
            // too, so a run whose workers all died still ends.
            self.store.requeue_stale(&self.run).map_err(record_error)?;
            let fresh: Vec<StoredTrial> = self
                .store
                .unstepped(&self.run)
                .map_err(record_error)?
                .into_iter()
                .filter(|t| self.submitted.contains(&t.index) && !self.returned.contains(&t.index))
                .collect();
            if fresh.is_empty() {
                if self.last_news.elapsed() > QUIET_WARNING {
                    self.report_quiet()?;
                    self.last_news = Instant::now();
                }
                std::thread::sleep(poll);
                poll = (poll * 2).min(MAX_POLL);
                continue;
            }
            self.last_news = Instant::now();
            let objective = &self.objective;
            let trials = fresh.into_iter().map(|t| stored_trial(t, objective));
            self.ready.extend(trials);
        }
    }

    fn stepped(&mut self, index: usize, seq: usize) -> Result<(), EstimError> {
        self.store
            .mark_stepped(&self.run, index, seq)
            .map_err(record_error)
    }
}
