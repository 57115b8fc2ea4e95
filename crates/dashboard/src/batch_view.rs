//! A `compare` or `pipeline` directory followed as a whole: the run directories it holds,
//! found as the batch creates them, and its journal of finished runs, from which a comparison's
//! table and efficiency heat-map are computed.

use crate::journal_tail::JournalTail;
use modnas::batch::compare::{compare_rows, RunRecord, COMPARE_FILE, COMPARE_JOURNAL};
use modnas::batch::pipeline::{ProcessRecord, PIPELINE_FILE, PIPELINE_JOURNAL};
use modnas::run::CONFIG_FILE;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How deep run directories may sit in a batch directory (a comparison's are
/// `space/optimizer/seed-N`; nested pipelines go one or two levels further).
const MAX_DEPTH: usize = 5;

/// Which kind of batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchKind {
    /// `modnas compare`.
    Compare,
    /// `modnas pipeline`.
    Pipeline,
}

/// One space × optimizer of a comparison, averaged over its finished seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareCell {
    /// Space name.
    pub space: String,
    /// Optimizer name.
    pub optim: String,
    /// Finished runs.
    pub runs: usize,
    /// Mean best objective.
    pub best: Option<f64>,
    /// Mean wall-clock seconds per run.
    pub wall_seconds: f64,
    /// Objective gained over the space's baseline per hour of compute.
    pub efficiency: Option<f64>,
}

/// What the page shows of a batch.
#[derive(Clone, Debug, Serialize)]
pub struct BatchStatus {
    /// The directory's name.
    pub name: String,
    /// Compare or pipeline.
    pub kind: BatchKind,
    /// The dashboard ids of the runs found in it so far.
    pub runs: Vec<usize>,
    /// Runs (compare) or processes (pipeline) finished.
    pub finished: usize,
    /// A comparison's cells (none for a pipeline).
    pub cells: Vec<CompareCell>,
    /// A pipeline's finished processes with their seconds (none for a comparison).
    pub processes: Vec<ProcessRecord>,
}

/// A batch directory followed live.
#[derive(Debug)]
pub struct BatchView {
    dir: PathBuf,
    name: String,
    kind: BatchKind,
    compare: JournalTail<RunRecord>,
    pipeline: JournalTail<ProcessRecord>,
    /// Run directories already handed out, so each becomes one run.
    known: BTreeSet<PathBuf>,
    runs: Vec<usize>,
}

impl BatchView {
    /// The batch in `dir`, or `None` when `dir` holds neither `compare.toml` nor
    /// `pipeline.toml`.
    pub fn open(dir: &Path) -> Option<Self> {
        let kind = if dir.join(COMPARE_FILE).is_file() {
            BatchKind::Compare
        } else if dir.join(PIPELINE_FILE).is_file() {
            BatchKind::Pipeline
        } else {
            return None;
        };
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Some(Self {
            dir: dir.to_path_buf(),
            name,
            kind,
            compare: JournalTail::new(dir.join(COMPARE_JOURNAL)),
            pipeline: JournalTail::new(dir.join(PIPELINE_JOURNAL)),
            known: BTreeSet::new(),
            runs: vec![],
        })
    }

    /// Reads the batch's journal and returns the run directories that appeared since the last
    /// call, each with its name (`batch/space/optimizer/seed-0`).
    pub fn refresh(&mut self) -> Vec<(PathBuf, String)> {
        let journal = match self.kind {
            BatchKind::Compare => self.compare.refresh(),
            BatchKind::Pipeline => self.pipeline.refresh(),
        };
        if let Err(e) = journal {
            tracing::warn!(dir = %self.dir.display(), error = %e, "reading a batch journal");
        }
        let mut found = vec![];
        find_runs(&self.dir, 0, &mut found);
        found.sort();
        found
            .into_iter()
            .filter(|d| self.known.insert(d.clone()))
            .map(|d| {
                let rel = d.strip_prefix(&self.dir).unwrap_or(&d);
                let name = format!("{}/{}", self.name, rel.display());
                (d, name)
            })
            .collect()
    }

    /// Records that run `id` of the dashboard is one of this batch's.
    pub fn add_run(&mut self, id: usize) {
        self.runs.push(id);
    }

    /// The batch's runs and, for a comparison, its table by space × optimizer.
    pub fn status(&self) -> BatchStatus {
        let records = self.compare.records();
        let cells = compare_rows(records)
            .into_iter()
            .map(|r| CompareCell {
                efficiency: r.efficiency(),
                space: r.space,
                optim: r.optim,
                runs: r.runs,
                best: r.best,
                wall_seconds: r.wall_seconds,
            })
            .collect();
        let processes = self.pipeline.records().to_vec();
        BatchStatus {
            name: self.name.clone(),
            kind: self.kind,
            runs: self.runs.clone(),
            finished: match self.kind {
                BatchKind::Compare => records.len(),
                BatchKind::Pipeline => processes.len(),
            },
            cells,
            processes,
        }
    }
}

/// Collects the directories under `dir` that hold a run's config, not descending into a run.
fn find_runs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        // `file_type` does not follow links: a link cannot lead the walk out of the batch.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if path.join(CONFIG_FILE).is_file() {
            out.push(path);
        } else {
            find_runs(&path, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_found_once_as_the_batch_creates_them() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cmp");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(BatchView::open(&dir).is_none(), "not a batch yet");
        std::fs::write(dir.join(COMPARE_FILE), "").unwrap();
        let mut batch = BatchView::open(&dir).unwrap();
        assert!(batch.refresh().is_empty());
        let run = |rel: &str| {
            let d = dir.join(rel);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(CONFIG_FILE), "").unwrap();
        };
        run("s/random/seed-0");
        // A run's own subdirectories are not searched.
        run("s/random/seed-0/inner");
        let names: Vec<String> = batch.refresh().into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["cmp/s/random/seed-0"]);
        run("s/random/seed-1");
        let names: Vec<String> = batch.refresh().into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["cmp/s/random/seed-1"], "only the new one");
    }

    #[test]
    fn the_comparison_table_averages_finished_seeds() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(COMPARE_FILE), "").unwrap();
        let record = |seed: u64, best: f64| {
            serde_json::json!({"space": "s", "optim": "random", "seed": seed, "objective": "acc",
                "best": best, "baseline": 0.5, "wall_seconds": 1800.0, "eval_seconds": 1.0,
                "trials": 4, "failed": 0})
        };
        let text = format!("{}\n{}\n{{\"torn", record(0, 0.7), record(1, 0.9));
        std::fs::write(tmp.path().join(COMPARE_JOURNAL), text).unwrap();
        let mut batch = BatchView::open(tmp.path()).unwrap();
        batch.refresh();
        let status = batch.status();
        assert_eq!((status.kind, status.finished), (BatchKind::Compare, 2));
        let cell = &status.cells[0];
        assert_eq!(cell.runs, 2);
        assert!((cell.best.unwrap() - 0.8).abs() < 1e-9);
        // (0.8 − 0.5) per half an hour.
        assert!((cell.efficiency.unwrap() - 0.6).abs() < 1e-9);
    }
}
