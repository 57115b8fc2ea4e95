//! Running a comparison: every combination in its own run directory,
//! `OUT/<space>/<optimizer>/seed-<seed>/`; `compare.jsonl` records each finished run, so a
//! resumed comparison skips them and resumes the one that was interrupted. At the end it
//! writes `compare.csv`, `compare-curves.svg` and `compare-efficiency.svg`.

use super::spec::{Combination, CompareSpec};
use crate::batch::dir::BatchDir;
use crate::run::dir::META_FILE;
use crate::{run_search, Config, ModnasError, RunMode};
use indexmap::IndexMap;
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
    /// The seed of this run (`seed` of its config).
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
    /// Epochs the trials trained (the sum of the journal's `epochs`; pruned trials count the
    /// epochs they trained).
    #[serde(default)]
    pub epochs: f64,
    /// Trials recorded.
    pub trials: usize,
    /// Failed trials.
    pub failed: usize,
    /// The objective of the best architecture retrained by the `augment` stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub augment: Option<f64>,
    /// Wall-clock seconds of the augment stage.
    #[serde(default)]
    pub augment_seconds: f64,
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
    let base = path.parent().unwrap_or(Path::new("."));
    let combos = spec.combinations(base)?;
    let baselines = spec.baseline_runs(base)?;
    let dirs: Vec<PathBuf> = spec.spaces.keys().map(|s| out.join(s)).collect();
    let (_lock, done): (_, Vec<RunRecord>) = batch(out).prepare(&text, &dirs, mode)?;
    let finished = |c: &Combination| {
        done.iter()
            .find(|r| r.space == c.space && r.optim == c.optim && r.seed == c.seed)
            .cloned()
    };
    // The random baselines run first: a space's mean is the baseline of its combinations.
    let (mut records, space_baseline) =
        run_baselines(&spec, &baselines, out, mode, &finished, on_event)?;
    for combo in &combos {
        if let Some(r) = finished(combo) {
            on_event(CompareEvent::Done {
                name: &name_of(combo),
                skipped: true,
            });
            records.push(r);
            continue;
        }
        let mut combo = combo.clone();
        if let Some(&b) = space_baseline.get(&combo.space) {
            combo.baseline = b;
        }
        let mut record = run_one(&combo, out, mode, on_event)?;
        if let Some(config) = &combo.augment {
            (record.augment, record.augment_seconds) =
                run_augment(&combo, config, out, mode, on_event)?;
        }
        batch(out).append(&record)?;
        on_event(CompareEvent::Done {
            name: &name_of(&combo),
            skipped: false,
        });
        records.push(record);
    }
    write_results(out, &records)?;
    Ok(records)
}

/// Runs (or takes the finished records of) the random-search baselines of every space; returns
/// their records, each with its space's mean best as baseline, and that mean per space.
fn run_baselines(
    spec: &CompareSpec,
    baselines: &[Combination],
    out: &Path,
    mode: RunMode,
    finished: &dyn Fn(&Combination) -> Option<RunRecord>,
    on_event: &mut dyn FnMut(CompareEvent<'_>),
) -> Result<(Vec<RunRecord>, IndexMap<String, f64>), ModnasError> {
    let mut records = vec![];
    let mut space_baseline: IndexMap<String, f64> = IndexMap::new();
    for space in spec.spaces.keys() {
        let runs: Vec<&Combination> = baselines.iter().filter(|b| &b.space == space).collect();
        let Some(first) = runs.first() else {
            continue;
        };
        let chance = first.baseline;
        let (mut recorded, mut fresh) = (vec![], vec![]);
        for combo in runs {
            match finished(combo) {
                Some(r) => {
                    on_event(CompareEvent::Done {
                        name: &name_of(combo),
                        skipped: true,
                    });
                    recorded.push(r);
                }
                None => fresh.push(run_one(combo, out, mode, on_event)?),
            }
        }
        let bests: Vec<f64> = recorded
            .iter()
            .chain(&fresh)
            .filter_map(|r| r.best)
            .collect();
        let mean = match bests.len() {
            0 => chance,
            n => bests.iter().sum::<f64>() / n as f64,
        };
        for mut r in fresh {
            r.baseline = mean;
            batch(out).append(&r)?;
            let name = format!("{}/{}/seed-{}", r.space, r.optim, r.seed);
            on_event(CompareEvent::Done {
                name: &name,
                skipped: false,
            });
            recorded.push(r);
        }
        records.extend(recorded.into_iter().map(|r| RunRecord {
            baseline: mean,
            ..r
        }));
        space_baseline.insert(space.clone(), mean);
    }
    Ok((records, space_baseline))
}

/// The run mode of a run directory: resumed when the comparison resumes and the run started.
fn mode_of(dir: &Path, mode: RunMode) -> RunMode {
    if mode == RunMode::Resume && dir.join(META_FILE).exists() {
        RunMode::Resume
    } else {
        RunMode::Overwrite
    }
}

/// Runs one combination's search in its directory and measures it.
fn run_one(
    combo: &Combination,
    out: &Path,
    mode: RunMode,
    on_event: &mut dyn FnMut(CompareEvent<'_>),
) -> Result<RunRecord, ModnasError> {
    let name = name_of(combo);
    let dir = combo.dir(out);
    let run_mode = mode_of(&dir, mode);
    on_event(CompareEvent::Start {
        name: &name,
        config: &combo.config,
    });
    tracing::info!(run = %name, dir = %dir.display(), "comparison run starts");
    // A resumed run's earlier wall time is lost with the process; its recorded trials'
    // evaluation time stands in for it.
    let recorded = match run_mode {
        RunMode::Resume => crate::run::read_journal(&dir)?.len(),
        _ => 0,
    };
    let t0 = Instant::now();
    let run = run_search(&combo.config, &dir, run_mode, &mut |t| {
        on_event(CompareEvent::Trial(t))
    })?;
    crate::viz::draw_run_or_warn(&dir);
    let journal = crate::run::read_journal(&dir)?;
    let eval_seconds: f64 = journal.iter().map(|t| t.seconds).sum();
    let replayed: f64 = journal.iter().take(recorded).map(|t| t.seconds).sum();
    let (objective, _) = combo.config.objective();
    Ok(RunRecord {
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
        epochs: journal.iter().map(Trial::compute_epochs).sum(),
        trials: run.outcome.trials,
        failed: run.outcome.failed,
        augment: None,
        augment_seconds: 0.0,
    })
}

/// Retrains the best architecture of `combo`'s run with the augment `config`, in
/// `OUT/<space>/<optimizer>/seed-<seed>-augment/`; returns its objective and wall seconds
/// (none when the search found no architecture).
fn run_augment(
    combo: &Combination,
    config: &Config,
    out: &Path,
    mode: RunMode,
    on_event: &mut dyn FnMut(CompareEvent<'_>),
) -> Result<(Option<f64>, f64), ModnasError> {
    let search_dir = combo.dir(out);
    let arch = search_dir.join(crate::run::BEST_FILE);
    if !arch.exists() {
        return Ok((None, 0.0));
    }
    let mut config = config.clone();
    let arch_path = std::path::absolute(&arch).unwrap_or(arch);
    config
        .estim
        .search
        .args
        .insert("arch".into(), arch_path.display().to_string().into());
    let dir = search_dir.with_file_name(format!("seed-{}-augment", combo.seed));
    let name = format!("{}/augment", name_of(combo));
    on_event(CompareEvent::Start {
        name: &name,
        config: &config,
    });
    let t0 = Instant::now();
    let run = run_search(&config, &dir, mode_of(&dir, mode), &mut |t| {
        on_event(CompareEvent::Trial(t))
    })?;
    crate::viz::draw_run_or_warn(&dir);
    let (objective, _) = config.objective();
    let best = run
        .outcome
        .best
        .as_ref()
        .and_then(|b| b.metrics.get(&objective).copied());
    Ok((best, t0.elapsed().as_secs_f64()))
}

/// The table file of a comparison.
pub const COMPARE_CSV: &str = "compare.csv";

/// Writes `compare.csv` and both pictures for `records`.
pub fn write_results(out: &Path, records: &[RunRecord]) -> Result<(), ModnasError> {
    let rows = super::compare_rows(records);
    crate::run::dir::write_atomic(&out.join(COMPARE_CSV), &super::compare_csv(&rows))?;
    let curves = super::plot_compare_curves(out, records)?;
    let heat = super::plot_efficiency(out, &rows)?;
    tracing::info!(curves = %curves.display(), heat = %heat.display(), "comparison drawn");
    Ok(())
}
