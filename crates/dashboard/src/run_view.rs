//! One run as the dashboard shows it: what its config says, and its journal, α and Pareto
//! files followed as the run appends to them, or its trials in a trial storage.

use crate::journal_tail::JournalTail;
use crate::storage_link::StorageLink;
use crate::store_run::{StoreRun, WorkersView};
use crate::DashboardError;
use modnas::estim::{EpochReport, Trial};
use modnas::run::ProgressCurve;
use modnas::run::{
    ALPHAS_FILE, CONFIG_FILE, EPOCHS_FILE, JOURNAL_FILE, LOCK_FILE, META_FILE, PARETO_FILE,
};
use modnas::toml;
use modnas::Config;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a run is: read once from its `config.toml`.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// The directory's name.
    pub name: String,
    /// `estim.search.type`.
    pub estimator: String,
    /// `optim.type`.
    pub optimizer: String,
    /// The objective metric.
    pub objective: String,
    /// Whether the objective is maximised.
    pub maximize: bool,
    /// The records the config asks for: `estim.search.args.trials` (`epochs` for a supernet
    /// search, which records one per epoch), when it sets one.
    pub budget: Option<usize>,
    /// How many architectures the space describes, as the run recorded it in `run.toml`: a
    /// number, `"infinite"` (a float range) or `"over 2^63"`; `None` when not recorded.
    pub space_size: Option<serde_json::Value>,
}

/// Where a run stands now.
#[derive(Clone, Debug, Serialize)]
pub struct RunStatus {
    /// The run's config.
    #[serde(flatten)]
    pub summary: RunSummary,
    /// Whether a process is writing the run (its lock file is there).
    pub running: bool,
    /// Trials recorded.
    pub done: usize,
    /// Recorded trials that failed.
    pub failed: usize,
    /// Recorded trials a pruner stopped.
    pub pruned: usize,
    /// Epochs the recorded trials trained, over all the data (0 when they report none).
    pub epochs: f64,
    /// The best objective so far.
    pub best: Option<f64>,
    /// Seconds the recorded trials took.
    pub trial_seconds: f64,
    /// Seconds from the run's start to now (running) or to its last record.
    pub elapsed_seconds: Option<f64>,
    /// At the pace so far, seconds until the budget is spent.
    pub remaining_seconds: Option<f64>,
    /// Journal lines skipped because they did not parse.
    pub malformed_lines: usize,
    /// Whether the run's trials go through a trial storage to workers.
    pub distributed: bool,
    /// A distributed run's trials held by workers now.
    pub in_flight: Option<usize>,
}

/// One point of the best-so-far curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CurvePoint {
    /// Trial index.
    pub trial: usize,
    /// Seconds of trials up to this one.
    pub seconds: f64,
    /// Epochs trained by the trials up to this one, over all the data.
    pub epochs: f64,
    /// Best objective up to this trial.
    pub best: f64,
}

/// A run's journals in its directory, followed by byte offset.
#[derive(Debug)]
struct RunFiles {
    dir: PathBuf,
    trials: JournalTail<Trial>,
    alphas: JournalTail<serde_json::Value>,
    pareto: JournalTail<serde_json::Value>,
    epochs: JournalTail<EpochReport>,
}

/// A distributed run's trial storage.
#[derive(Debug)]
enum Storage {
    /// A local run.
    None,
    /// The storage a run directory's config names.
    Linked(StorageLink),
    /// A run seen only in a storage.
    Stored(Box<StoreRun>),
}

/// A run followed live: a run directory, a run in a trial storage, or a directory whose run
/// is distributed through one (its workers are then shown too).
#[derive(Debug)]
pub struct RunView {
    summary: RunSummary,
    files: Option<RunFiles>,
    storage: Storage,
}

impl RunView {
    /// Opens the run in `dir`, named by the directory's name; its `config.toml` must be there.
    pub fn open(dir: &Path) -> Result<Self, DashboardError> {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self::open_named(dir, name)
    }

    /// Opens the run in `dir` under `name` (a batch's runs are named by their path in it).
    pub fn open_named(dir: &Path, name: String) -> Result<Self, DashboardError> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(DashboardError::NotARun {
                path: dir.display().to_string(),
            });
        }
        let cfg = Config::from_file(&config_path, &[])?;
        let storage = match modnas::distributed::storage_url(&cfg, dir) {
            Some(url) => Storage::Linked(StorageLink::new(
                url,
                modnas::distributed::storage_run_name(&cfg, dir),
            )),
            None => Storage::None,
        };
        let mut summary = summary(&cfg, name);
        summary.space_size = recorded_space_size(dir);
        Ok(Self {
            summary,
            files: Some(RunFiles {
                dir: dir.to_path_buf(),
                trials: JournalTail::new(dir.join(JOURNAL_FILE)),
                alphas: JournalTail::new(dir.join(ALPHAS_FILE)),
                pareto: JournalTail::new(dir.join(PARETO_FILE)),
                epochs: JournalTail::new(dir.join(EPOCHS_FILE)),
            }),
            storage,
        })
    }

    /// Follows run `run` of a trial storage, from the config its coordinator stored.
    pub fn open_stored(store: StoreRun) -> Result<Self, DashboardError> {
        let cfg = Config::from_toml(store.config(), &[])?;
        Ok(Self {
            summary: summary(&cfg, store.name().to_string()),
            files: None,
            storage: Storage::Stored(Box::new(store)),
        })
    }

    /// Reads what the run appended since the last call.
    pub fn refresh(&mut self) -> Result<(), DashboardError> {
        match &mut self.storage {
            Storage::None => {}
            Storage::Linked(link) => link.refresh(),
            Storage::Stored(store) => store.refresh()?,
        }
        let Some(f) = &mut self.files else {
            return Ok(());
        };
        let io = |e, file: &str| DashboardError::Io {
            path: f.dir.join(file).display().to_string(),
            source: e,
        };
        f.trials.refresh().map_err(|e| io(e, JOURNAL_FILE))?;
        f.alphas.refresh().map_err(|e| io(e, ALPHAS_FILE))?;
        f.pareto.refresh().map_err(|e| io(e, PARETO_FILE))?;
        f.epochs.refresh().map_err(|e| io(e, EPOCHS_FILE))?;
        Ok(())
    }

    /// The trials recorded so far: the journal's, or the storage's finished ones.
    pub fn trials(&self) -> &[Trial] {
        match (&self.files, &self.storage) {
            (Some(f), _) => f.trials.records(),
            (None, Storage::Stored(s)) => s.trials(),
            (None, _) => &[],
        }
    }

    /// The α snapshots of a supernet run, one per epoch.
    pub fn alphas(&self) -> &[serde_json::Value] {
        self.files.as_ref().map_or(&[], |f| f.alphas.records())
    }

    /// The epochs its trials reported, in order: `epochs.jsonl`, or for a run seen only in a
    /// trial storage the reports its workers stored. Their learning curves, live while they
    /// train.
    pub fn epochs(&self) -> &[EpochReport] {
        match (&self.files, &self.storage) {
            (Some(f), _) => f.epochs.records(),
            (None, Storage::Stored(s)) => s.epochs(),
            (None, _) => &[],
        }
    }

    /// The Pareto front a multi-objective run kept (written when it finishes).
    pub fn pareto(&self) -> &[serde_json::Value] {
        self.files.as_ref().map_or(&[], |f| f.pareto.records())
    }

    /// A distributed run's trials by state and its workers; `None` for a local run, or while
    /// its storage cannot be read.
    pub fn workers(&self) -> Option<WorkersView> {
        match &self.storage {
            Storage::None => None,
            Storage::Linked(link) => link.workers(),
            Storage::Stored(s) => Some(s.workers()),
        }
    }

    /// The best-so-far objective per trial, from the first success: derived from the trials on
    /// each call, so a journal that was started over needs no bookkeeping.
    pub fn curve(&self) -> Vec<CurvePoint> {
        let mut curve = ProgressCurve::new(&self.summary.objective, self.summary.maximize);
        self.trials().iter().for_each(|t| curve.push(t));
        curve
            .points()
            .iter()
            .zip(curve.by_epochs())
            .map(|(&(trial, seconds, best), (epochs, _))| CurvePoint {
                trial,
                seconds,
                epochs,
                best,
            })
            .collect()
    }

    /// The run's config.
    pub fn summary(&self) -> &RunSummary {
        &self.summary
    }

    /// Whether a process is writing the run: holds the lock on its lock file or, for a run
    /// seen only in a storage, has not marked it finished.
    pub fn is_running(&self) -> bool {
        match (&self.files, &self.storage) {
            (Some(f), _) => lock_held(&f.dir.join(LOCK_FILE)),
            (None, Storage::Stored(s)) => !s.finished(),
            (None, _) => false,
        }
    }

    /// Counts, best value and time.
    pub fn status(&self) -> RunStatus {
        let trials = self.trials();
        let done = trials.len();
        let trial_seconds = trials.iter().map(|t| t.seconds).sum::<f64>();
        let running = self.is_running();
        let elapsed_seconds = self.files.as_ref().and_then(|f| {
            let modified = |file: &str| {
                std::fs::metadata(f.dir.join(file))
                    .and_then(|m| m.modified())
                    .ok()
            };
            // Without a writer the run ended at its last record.
            let end = if running {
                Some(SystemTime::now())
            } else {
                modified(JOURNAL_FILE)
            };
            modified(CONFIG_FILE)
                .zip(end)
                .and_then(|(start, end)| end.duration_since(start).ok())
                .map(|d| d.as_secs_f64())
        });
        let remaining_seconds = match (self.summary.budget, elapsed_seconds) {
            (Some(budget), Some(elapsed)) if done > 0 && running => {
                Some(elapsed / done as f64 * budget.saturating_sub(done) as f64)
            }
            _ => None,
        };
        RunStatus {
            summary: self.summary.clone(),
            running,
            done,
            failed: trials.iter().filter(|t| t.error.is_some()).count(),
            pruned: trials.iter().filter(|t| t.pruned.is_some()).count(),
            epochs: trials.iter().map(Trial::compute_epochs).sum(),
            best: self.curve().last().map(|p| p.best),
            trial_seconds,
            elapsed_seconds,
            remaining_seconds,
            malformed_lines: self.files.as_ref().map_or(0, |f| f.trials.malformed()),
            distributed: !matches!(self.storage, Storage::None),
            in_flight: self.workers().map(|w| w.running),
        }
    }
}

/// `space_size` of the run's `run.toml`, which a run writes with its config.
fn recorded_space_size(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(META_FILE)).ok()?;
    let meta: toml::Table = toml::from_str(&text).ok()?;
    serde_json::to_value(meta.get("space_size")?).ok()
}

fn summary(cfg: &Config, name: String) -> RunSummary {
    let (objective, maximize) = cfg.objective();
    let (_, budget) = cfg.search_budget();
    RunSummary {
        name,
        estimator: cfg.estim.search.type_name.clone(),
        optimizer: cfg.optim.type_name.clone(),
        objective,
        maximize,
        budget,
        space_size: None,
    }
}

/// Whether some process holds the lock on `path`. On Linux the kernel's table of locks says so
/// without touching the lock: taking it, even shared for a moment, could refuse a run starting
/// at that instant. Elsewhere the lock file's presence is taken as the answer (a run that ended
/// leaves its file, so a finished run may show as running there).
fn lock_held(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let inode = format!(":{}", meta.ino());
        if let Ok(locks) = std::fs::read_to_string("/proc/locks") {
            // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF`: the device and inode are
            // the sixth field.
            return locks
                .lines()
                .filter_map(|l| l.split_whitespace().nth(5))
                .any(|id| id.ends_with(&inode));
        }
    }
    let _ = meta;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_counts_only_while_its_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        assert!(!lock_held(&path), "no file");
        let file = std::fs::File::create(&path).unwrap();
        if cfg!(target_os = "linux") {
            assert!(!lock_held(&path), "a file left behind by a finished run");
        }
        file.lock().unwrap();
        assert!(lock_held(&path));
        file.unlock().unwrap();
        if cfg!(target_os = "linux") {
            assert!(!lock_held(&path));
        }
    }
}
