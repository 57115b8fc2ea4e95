//! Running a comparison: every combination in its own run directory,
//! `OUT/<space>/<optimizer>/seed-<seed>/`; `compare.jsonl` records each finished run, so a
//! resumed comparison skips them and resumes the one that was interrupted. At the end it
//! writes `compare.csv`, `compare-curves.svg` and `compare-efficiency.svg`.

use super::spec::{Combination, CompareSpec};
use crate::batch_dir::BatchDir;
use crate::run_dir::META_FILE;
use crate::{run_search_in, Config, ModnasError, RunMode};
use modnas_estim::Trial;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The copy of the comparison file in its directory.
pub const COMPARE_FILE: &str = "compare.toml";
/// The record of finished runs, one JSON object per line.
pub const COMPARE_JOURNAL: &str = "compare.jsonl";

/// What one finished run of a comparison measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Space name.
    pub space: String,
    /// Optimizer name.
    pub optim: String,
    /// Seed.
    pub seed: u64,
    /// The objective metric.
    pub objective: String,
    /// The best value of the objective (`None` when every trial failed).
    pub best: Option<f64>,
    /// The space's baseline accuracy.
    pub baseline: f64,
    /// Wall-clock seconds of the whole run (search and evaluation, in the run that finished
    /// it; a resumed run adds the recorded trials' time).
    pub wall_seconds: f64,
    /// Seconds spent evaluating trials (the sum of the journal's `seconds`).
    pub eval_seconds: f64,
    /// Trials recorded.
    pub trials: usize,
    /// Failed trials.
    pub failed: usize,
}

/// What a comparison reports while it runs.
#[derive(Debug)]
pub enum CompareEvent<'a> {
    /// A run starts (or resumes).
    Start {
        /// `space/optimizer/seed-N`.
        name: &'a str,
        /// Its config.
        config: &'a Config,
    },
    /// A trial of the running run was recorded.
    Trial(&'a Trial),
    /// A run finished, or an earlier comparison had finished it.
    Done {
        /// `space/optimizer/seed-N`.
        name: &'a str,
        /// True when it was finished earlier.
        skipped: bool,
    },
}

fn batch(out: &Path) -> BatchDir<'_> {
    BatchDir {
        out,
        copy: COMPARE_FILE,
        journal: COMPARE_JOURNAL,
        what: "comparison",
    }
}

fn name_of(c: &Combination) -> String {
    format!("{}/{}/seed-{}", c.space, c.optim, c.seed)
}

/// The records of the comparison in `out` (for a report of a finished or running one).
pub fn compare_records(out: &Path) -> Result<Vec<RunRecord>, ModnasError> {
    batch(out).records()
}

/// Runs every combination of the comparison file `path` in `out`; returns one record per
/// run, in matrix order. Every config is checked before the first run starts.
pub fn run_compare(
    path: &Path,
    out: &Path,
    mode: RunMode,
    on_event: &mut dyn FnMut(CompareEvent<'_>),
) -> Result<Vec<RunRecord>, ModnasError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
    let spec = CompareSpec::from_toml(&text)
        .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
    let combos = spec.combinations(path.parent().unwrap_or(Path::new(".")))?;
    let dirs: Vec<PathBuf> = spec.spaces.keys().map(|s| out.join(s)).collect();
    let done: Vec<RunRecord> = batch(out).prepare(&text, &dirs, mode)?;
    let mut records = vec![];
    for combo in &combos {
        let name = name_of(combo);
        let finished = done
            .iter()
            .find(|r| r.space == combo.space && r.optim == combo.optim && r.seed == combo.seed);
        if let Some(r) = finished {
            on_event(CompareEvent::Done {
                name: &name,
                skipped: true,
            });
            records.push(r.clone());
            continue;
        }
        let dir = combo.dir(out);
        let run_mode = if mode == RunMode::Resume && dir.join(META_FILE).exists() {
            RunMode::Resume
        } else {
            RunMode::Overwrite
        };
        on_event(CompareEvent::Start {
            name: &name,
            config: &combo.config,
        });
        tracing::info!(run = %name, dir = %dir.display(), "comparison run starts");
        // A resumed run's earlier wall time is lost with the process; its recorded trials'
        // evaluation time stands in for it.
        let recorded = match run_mode {
            RunMode::Resume => crate::read_journal(&dir)?.len(),
            _ => 0,
        };
        let t0 = Instant::now();
        let run = run_search_in(&combo.config, &dir, run_mode, &mut |t| {
            on_event(CompareEvent::Trial(t))
        })?;
        let journal = crate::read_journal(&dir)?;
        let eval_seconds: f64 = journal.iter().map(|t| t.seconds).sum();
        let replayed: f64 = journal.iter().take(recorded).map(|t| t.seconds).sum();
        let (objective, _) = combo.config.objective();
        let record = RunRecord {
            space: combo.space.clone(),
            optim: combo.optim.clone(),
            seed: combo.seed,
            best: run
                .outcome
                .best
                .as_ref()
                .and_then(|b| b.metrics.get(&objective).copied()),
            objective,
            baseline: combo.baseline,
            wall_seconds: t0.elapsed().as_secs_f64() + replayed,
            eval_seconds,
            trials: run.outcome.trials,
            failed: run.outcome.failed,
        };
        batch(out).append(&record)?;
        on_event(CompareEvent::Done {
            name: &name,
            skipped: false,
        });
        records.push(record);
    }
    write_results(out, &records)?;
    Ok(records)
}

/// The table file of a comparison.
pub const COMPARE_CSV: &str = "compare.csv";

/// Writes `compare.csv` and both pictures for `records`.
pub fn write_results(out: &Path, records: &[RunRecord]) -> Result<(), ModnasError> {
    let rows = super::compare_rows(records);
    crate::run_dir::write_atomic(&out.join(COMPARE_CSV), &super::compare_csv(&rows))?;
    let curves = super::plot_compare_curves(out, records)?;
    let heat = super::plot_efficiency(out, &rows)?;
    tracing::info!(curves = %curves.display(), heat = %heat.display(), "comparison drawn");
    Ok(())
}
