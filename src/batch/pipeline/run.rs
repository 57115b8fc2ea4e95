//! Running a pipeline: each process in its own directory inside the pipeline's, in
//! dependency order; `pipeline.jsonl` records each finished one, so a resumed pipeline skips
//! them and resumes the one that was interrupted.

use super::spec::{PipelineSpec, Process, ProcessKind};
use crate::batch::dir::BatchDir;
use crate::run::dir::META_FILE;
use crate::{run_search, ModnasError, RunMode};
use modnas_estim::Trial;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The copy of the pipeline file in its run directory.
pub const PIPELINE_FILE: &str = "pipeline.toml";
/// The record of finished processes, one JSON object per line.
pub const PIPELINE_JOURNAL: &str = "pipeline.jsonl";

/// A line of `pipeline.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessRecord {
    /// The finished process's name (its table in the pipeline file).
    pub process: String,
    /// Seconds it ran (in the run that finished it).
    pub seconds: f64,
}

/// What a pipeline reports while it runs. Names of nested processes are joined by `/`.
#[derive(Debug)]
pub enum PipelineEvent<'a> {
    /// A process starts (or resumes); `config` is set for config processes.
    Start {
        /// The process's name, nested names joined by `/`.
        process: &'a str,
        /// Its run directory.
        dir: &'a Path,
        /// Its config, for config processes.
        config: Option<&'a crate::Config>,
    },
    /// A trial of the running process was recorded.
    Trial {
        /// The process's name, nested names joined by `/`.
        process: &'a str,
        /// The trial, as its run recorded it.
        trial: &'a Trial,
    },
    /// A process finished, or was skipped as finished by an earlier run.
    Done {
        /// The process's name, nested names joined by `/`.
        process: &'a str,
        /// True when an earlier run had finished it.
        skipped: bool,
    },
}

/// A finished process.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessOutcome {
    /// Its name.
    pub name: String,
    /// Its run directory.
    pub dir: PathBuf,
    /// Its best trial (config processes run in this call).
    pub best: Option<Trial>,
    /// True when an earlier run had finished it.
    pub skipped: bool,
}

fn batch(out: &Path) -> BatchDir<'_> {
    BatchDir {
        out,
        copy: PIPELINE_FILE,
        journal: PIPELINE_JOURNAL,
        what: "pipeline",
    }
}

/// Runs the pipeline file `path` in `out`: every process, after those it depends on. The
/// whole file is checked first (every config parsed), so an error in the last process does
/// not surface after hours of search.
pub fn run_pipeline(
    path: &Path,
    out: &Path,
    mode: RunMode,
    on_event: &mut dyn FnMut(PipelineEvent<'_>),
) -> Result<Vec<ProcessOutcome>, ModnasError> {
    run_nested(path, out, mode, "", on_event)
}

fn run_nested(
    path: &Path,
    out: &Path,
    mode: RunMode,
    prefix: &str,
    on_event: &mut dyn FnMut(PipelineEvent<'_>),
) -> Result<Vec<ProcessOutcome>, ModnasError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
    let spec = PipelineSpec::from_toml(&text)
        .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let processes = spec.resolve(base, out)?;
    let dirs: Vec<PathBuf> = processes.iter().map(|p| out.join(&p.name)).collect();
    let (_lock, records) = batch(out).prepare::<ProcessRecord>(&text, &dirs, mode)?;
    let done: Vec<String> = records.into_iter().map(|r| r.process).collect();
    let mut outcomes = Vec::new();
    for process in &processes {
        let name = format!("{prefix}{}", process.name);
        let dir = out.join(&process.name);
        if done.contains(&process.name) {
            on_event(PipelineEvent::Done {
                process: &name,
                skipped: true,
            });
            outcomes.push(ProcessOutcome {
                name,
                dir,
                best: None,
                skipped: true,
            });
            continue;
        }
        let t0 = Instant::now();
        let best = run_process(process, &name, &dir, mode, on_event, &mut outcomes)?;
        let record = ProcessRecord {
            process: process.name.clone(),
            seconds: t0.elapsed().as_secs_f64(),
        };
        batch(out).append(&record)?;
        on_event(PipelineEvent::Done {
            process: &name,
            skipped: false,
        });
        outcomes.push(ProcessOutcome {
            name,
            dir,
            best,
            skipped: false,
        });
    }
    Ok(outcomes)
}

/// Runs one process of a pipeline in `dir`: a search (drawn afterwards), or a nested pipeline
/// whose outcomes go to `outcomes`. Returns the search's best trial.
fn run_process(
    process: &Process,
    name: &str,
    dir: &Path,
    mode: RunMode,
    on_event: &mut dyn FnMut(PipelineEvent<'_>),
    outcomes: &mut Vec<ProcessOutcome>,
) -> Result<Option<Trial>, ModnasError> {
    // A process resumes where the interrupted pipeline left it; otherwise it starts over
    // (an earlier attempt may have left a partial run behind).
    let (marker, config) = match &process.kind {
        ProcessKind::Config(cfg) => (META_FILE, Some(&**cfg)),
        ProcessKind::Pipeline(_) => (PIPELINE_FILE, None),
    };
    let process_mode = if mode == RunMode::Resume && dir.join(marker).exists() {
        RunMode::Resume
    } else {
        RunMode::Overwrite
    };
    on_event(PipelineEvent::Start {
        process: name,
        dir,
        config,
    });
    tracing::info!(process = %name, dir = %dir.display(), mode = ?process_mode, "pipeline process starts");
    match &process.kind {
        ProcessKind::Config(cfg) => {
            let run = run_search(cfg, dir, process_mode, &mut |trial| {
                on_event(PipelineEvent::Trial {
                    process: name,
                    trial,
                })
            })?;
            crate::viz::draw_run_or_warn(dir);
            Ok(run.outcome.best)
        }
        ProcessKind::Pipeline(file) => {
            let inner = run_nested(file, dir, process_mode, &format!("{name}/"), on_event)?;
            outcomes.extend(inner);
            Ok(None)
        }
    }
}
