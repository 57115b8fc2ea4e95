//! The set of runs a dashboard shows: run directories given one by one, the runs of batch
//! directories and of trial storages, found as they appear. Runs are numbered in the order
//! they were found, and a number never changes.

use crate::batch_view::{BatchStatus, BatchView};
use crate::run_view::RunView;
use crate::store_run::{open_existing, StoreRun};
use crate::DashboardError;
use modnas::storage::TrialStore;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// A trial storage whose runs are all shown.
struct StoreSource {
    url: String,
    store: Box<dyn TrialStore>,
    known: BTreeSet<String>,
}

struct Inner {
    runs: RwLock<Vec<Arc<Mutex<RunView>>>>,
    batches: Vec<Mutex<BatchView>>,
    stores: Vec<Mutex<StoreSource>>,
}

/// The runs a dashboard shows, addressed by number.
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

/// Locks `m`, taking over a lock poisoned by a panic: the views are read caches.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Dashboard {
    /// Opens every directory in `dirs`: a run directory, or a `compare`/`pipeline` directory
    /// whose runs are all shown.
    pub fn open(dirs: &[PathBuf]) -> Result<Self, DashboardError> {
        Self::open_with_storage(dirs, &[])
    }

    /// Opens `dirs` as [`Dashboard::open`] does, and shows every run of each trial storage in
    /// `storages` (`sqlite://FILE`, `postgres://…`) with its workers.
    pub fn open_with_storage(
        dirs: &[PathBuf],
        storages: &[String],
    ) -> Result<Self, DashboardError> {
        if dirs.is_empty() && storages.is_empty() {
            return Err(DashboardError::NoRuns);
        }
        let mut runs = vec![];
        let mut batches = vec![];
        for dir in dirs {
            match BatchView::open(dir) {
                Some(batch) => batches.push(Mutex::new(batch)),
                None => runs.push(Arc::new(Mutex::new(RunView::open(dir)?))),
            }
        }
        let stores = storages
            .iter()
            .map(|url| {
                open_existing(url).map(|store| {
                    Mutex::new(StoreSource {
                        url: url.clone(),
                        store,
                        known: BTreeSet::new(),
                    })
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let dashboard = Self {
            inner: Arc::new(Inner {
                runs: RwLock::new(runs),
                batches,
                stores,
            }),
        };
        dashboard.discover();
        Ok(dashboard)
    }

    /// Adds the runs that batches and storages have gained since the last call.
    pub(crate) fn discover(&self) {
        for batch in &self.inner.batches {
            let mut batch = lock(batch);
            for (dir, name) in batch.refresh() {
                match RunView::open_named(&dir, name) {
                    Ok(view) => batch.add_run(self.push(view)),
                    Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "a batch's run"),
                }
            }
        }
        for source in &self.inner.stores {
            let mut source = lock(source);
            let names = match source.store.runs() {
                Ok(names) => names,
                Err(e) => {
                    tracing::warn!(url = %source.url, error = %e, "listing a storage's runs");
                    continue;
                }
            };
            for name in names {
                if source.known.contains(&name) {
                    continue;
                }
                let view = open_existing(&source.url)
                    .and_then(|store| StoreRun::open(store, &name))
                    .and_then(RunView::open_stored);
                match view {
                    Ok(view) => {
                        self.push(view);
                        source.known.insert(name);
                    }
                    Err(e) => tracing::warn!(run = %name, error = %e, "a stored run"),
                }
            }
        }
    }

    fn push(&self, view: RunView) -> usize {
        let mut runs = self
            .inner
            .runs
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        runs.push(Arc::new(Mutex::new(view)));
        runs.len() - 1
    }

    /// How many runs are known now.
    pub(crate) fn len(&self) -> usize {
        self.inner
            .runs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Calls `f` with run `id` refreshed from its files; `None` for an id that names no run.
    pub(crate) fn with_run<R>(&self, id: usize, f: impl FnOnce(&RunView) -> R) -> Option<R> {
        let run = self
            .inner
            .runs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()?;
        let mut view = lock(&run);
        if let Err(e) = view.refresh() {
            tracing::warn!(error = %e, "refreshing a run");
        }
        Some(f(&view))
    }

    /// Every batch's runs and table.
    pub(crate) fn batches(&self) -> Vec<BatchStatus> {
        self.inner
            .batches
            .iter()
            .map(|b| lock(b).status())
            .collect()
    }
}
