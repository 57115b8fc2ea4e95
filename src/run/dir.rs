//! The run directory, the single source of truth of a run: `run.toml` (the modnas version and
//! directory format that wrote it), `config.toml`, the append-only journal `trials.jsonl` and
//! the results derived from them. An interrupted run is taken up again from its journal
//! ([`RunMode::Resume`]): recorded trials are replayed into the optimizer, never evaluated
//! twice.

use crate::{Config, ModnasError};
use modnas_estim::{Trial, CHECKPOINT_DIRS};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The journal: one JSON trial per line, flushed before the optimizer learns from it.
pub const JOURNAL_FILE: &str = "trials.jsonl";
/// What wrote the run: `modnas_version` and `format`.
pub const META_FILE: &str = "run.toml";
/// The run's configuration.
pub const CONFIG_FILE: &str = "config.toml";
/// The optimizer's α per epoch of a supernet search, softmax-normalised, one JSON line each.
pub const ALPHAS_FILE: &str = "alphas.jsonl";
/// Every epoch the trials reported (`EpochReport`: trial, epoch, metrics, seconds), one JSON
/// line each, appended as they are reported: the trials' learning curves, live.
pub const EPOCHS_FILE: &str = "epochs.jsonl";
/// The best architecture of a finished search, as TOML (the `arch` of an augment step).
pub const BEST_FILE: &str = "best.toml";
/// The front a multi-objective optimizer kept, one JSON object (`arch`, `metrics`) per line.
pub const PARETO_FILE: &str = "pareto_front.jsonl";
/// The same front as CSV: one column per parameter, then one per metric.
pub const PARETO_CSV: &str = "pareto_front.csv";
/// The command line's log of the run (`tracing` events at `info`), appended across resumes.
pub const LOG_FILE: &str = "modnas.log";
/// The layout version of run directories.
pub const RUN_FORMAT: i64 = 1;

/// Config keys a resumed run may change: its budget and the device it runs on.
pub const RESUME_MAY_CHANGE: [&str; 5] = [
    "estim.search.args.trials",
    "estim.search.args.max_seconds",
    "estim.search.args.max_epochs",
    "backend.device",
    "backend.index",
];

/// SQLite's write-ahead log and shared-memory files beside the trial store.
const STORAGE_WAL_FILE: &str = "trials.db-wal";
const STORAGE_SHM_FILE: &str = "trials.db-shm";

/// The files a run writes; [`RunMode::Overwrite`] removes them (and plots and checkpoints).
const RUN_FILES: [&str; 13] = [
    LOG_FILE,
    crate::distributed::STORAGE_FILE,
    STORAGE_WAL_FILE,
    STORAGE_SHM_FILE,
    modnas_estim::MODEL_FILE,
    modnas_estim::MODEL_TOML,
    META_FILE,
    CONFIG_FILE,
    JOURNAL_FILE,
    ALPHAS_FILE,
    BEST_FILE,
    PARETO_FILE,
    PARETO_CSV,
];

/// How a run treats its directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunMode {
    /// A new run; a directory that already holds a run is refused.
    #[default]
    New,
    /// A new run that first removes the files of a run already in the directory.
    Overwrite,
    /// Continues the run in the directory: same config (but for [`RESUME_MAY_CHANGE`]), same
    /// modnas version.
    Resume,
}

/// The error for a run directory that cannot be used as asked.
pub(crate) fn refuse(dir: &Path, reason: impl Into<String>) -> ModnasError {
    ModnasError::RunDir {
        path: dir.display().to_string(),
        reason: reason.into(),
    }
}

/// Makes `dir` ready for a run of `cfg` in `mode`; returns the trials to replay.
pub(crate) fn prepare(
    dir: &Path,
    cfg: &Config,
    space_size: Option<u128>,
    mode: RunMode,
) -> Result<Vec<Trial>, ModnasError> {
    let holds_run = dir.join(META_FILE).exists() || dir.join(JOURNAL_FILE).exists();
    let replay = match mode {
        RunMode::New if holds_run => {
            return Err(refuse(
                dir,
                "already holds a run; continue it with `--resume`, replace it with `--overwrite`, or choose another `--out`",
            ))
        }
        RunMode::New => vec![],
        RunMode::Overwrite => {
            remove_run_files(dir)?;
            vec![]
        }
        RunMode::Resume => {
            check_meta(dir)?;
            check_same_config(dir, cfg)?;
            repair_journal(dir)?
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| ModnasError::io(dir, e))?;
    // The space's size is for readers of the run (the dashboard); i64 holds any real one.
    let size = match space_size.map(i64::try_from) {
        Some(Ok(n)) => n.to_string(),
        Some(Err(_)) => "\"over 2^63\"".into(),
        None => "\"infinite\"".into(),
    };
    let meta = format!(
        "modnas_version = {:?}\nformat = {RUN_FORMAT}\nspace_size = {size}\n",
        env!("CARGO_PKG_VERSION")
    );
    write_atomic(&dir.join(META_FILE), &meta)?;
    write_atomic(&dir.join(CONFIG_FILE), &cfg.to_toml())?;
    Ok(replay)
}

/// Undoes [`prepare`] of a new run that could not start (its storage refused it): removes the
/// two files it wrote, and the directory if that leaves it empty, so the same `--out` can be
/// used again. Best effort: the refusal is the error worth reporting.
pub(crate) fn unprepare_new(dir: &Path) {
    for file in [META_FILE, CONFIG_FILE] {
        let _ = std::fs::remove_file(dir.join(file));
    }
    let _ = std::fs::remove_dir(dir); // fails, as it should, unless empty
}

fn remove_run_files(dir: &Path) -> Result<(), ModnasError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let plot = ["alphas-", "progress-", "pareto-", "arch-"]
            .iter()
            .any(|p| name.starts_with(p))
            && (name.ends_with(".svg") || name.ends_with(".dot"));
        let path = entry.path();
        let removed = if CHECKPOINT_DIRS.contains(&name.as_str())
            || name == modnas_estim::HPTUNE_DIR
            || name == modnas_estim::TRIAL_CHECKPOINTS
        {
            std::fs::remove_dir_all(&path)
        } else if RUN_FILES.contains(&name.as_str()) || plot {
            std::fs::remove_file(&path)
        } else {
            Ok(())
        };
        removed.map_err(|e| ModnasError::io(&path, e))?;
    }
    Ok(())
}

/// Cuts the record at `path` to its first `len` bytes (an unfinished last line).
fn truncate(path: &Path, len: u64) -> Result<(), ModnasError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(len))
        .map_err(|e| ModnasError::io(path, e))
}

/// The number of complete lines of the record `dir/name`; an unfinished last line (a crash
/// while writing) is cut off, so appending goes on at a line start.
pub(crate) fn complete_lines(dir: &Path, name: &str) -> Result<usize, ModnasError> {
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(ModnasError::io(&path, e)),
    };
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    if complete < text.len() {
        truncate(&path, complete as u64)?;
    }
    Ok(text[..complete].lines().count())
}

/// Writes through a temporary file and a rename, so a crash leaves the old file or the new.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), ModnasError> {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| ModnasError::io(path, e))
}

fn check_meta(dir: &Path) -> Result<(), ModnasError> {
    let path = dir.join(META_FILE);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        refuse(
            dir,
            format!("is not a modnas run directory (no readable `{META_FILE}`)"),
        )
    })?;
    let meta: toml::Table = toml::from_str(&text)
        .map_err(|e| refuse(dir, format!("`{META_FILE}` is corrupted: {e}")))?;
    let version = meta.get("modnas_version").and_then(|v| v.as_str());
    let format = meta.get("format").and_then(|v| v.as_integer());
    let ours = env!("CARGO_PKG_VERSION");
    if version != Some(ours) || format != Some(RUN_FORMAT) {
        return Err(refuse(
            dir,
            format!(
                "was written by modnas {} (run format {}); this is modnas {ours} (run format {RUN_FORMAT}), which resumes only its own runs",
                version.unwrap_or("?"),
                format.map_or("?".into(), |f| f.to_string())
            ),
        ));
    }
    Ok(())
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn flat_config(text: &str) -> Result<BTreeMap<String, String>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    flatten("", &table, &mut out);
    Ok(out)
}

fn check_same_config(dir: &Path, cfg: &Config) -> Result<(), ModnasError> {
    let path = dir.join(CONFIG_FILE);
    let stored = std::fs::read_to_string(&path).map_err(|e| ModnasError::io(&path, e))?;
    // Through `Config`, so both sides have their defaults filled in the same way.
    let stored = Config::from_toml(&stored, &[])
        .map_err(|e| refuse(dir, format!("`{CONFIG_FILE}` is unreadable: {e}")))?;
    let (old, new) = (
        flat_config(&stored.to_toml()).map_err(|e| refuse(dir, e))?,
        flat_config(&cfg.to_toml()).map_err(|e| refuse(dir, e))?,
    );
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let changed: Vec<String> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k) && !RESUME_MAY_CHANGE.contains(&k.as_str()))
        .map(|k| {
            let show = |v: Option<&String>| v.map_or("(unset)".to_string(), Clone::clone);
            format!("`{k}`: {} → {}", show(old.get(k)), show(new.get(k)))
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    Err(refuse(
        dir,
        format!(
            "cannot resume with another config: {}; only [{}] may change",
            changed.join(", "),
            RESUME_MAY_CHANGE.join(", ")
        ),
    ))
}

/// The trials recorded in `dir`'s journal, in the order the optimizer learned them (index
/// order, but for distributed runs; none when there is no journal). A last
/// line without its newline is a trial still being written, or cut short by a crash: it is
/// not a recorded trial and is left out. Any other malformed line is an error naming it.
pub fn read_journal(dir: &Path) -> Result<Vec<Trial>, ModnasError> {
    Ok(parse_journal(dir)?.0)
}

/// [`read_journal`] for a run about to continue: the unfinished last line is also cut from
/// the file, so that the next trial starts on a line of its own (that trial runs again).
fn repair_journal(dir: &Path) -> Result<Vec<Trial>, ModnasError> {
    let (trials, complete_len) = parse_journal(dir)?;
    let path = dir.join(JOURNAL_FILE);
    let len = std::fs::metadata(&path).map_or(0, |m| m.len());
    if len > complete_len {
        tracing::warn!(
            trials = trials.len(),
            "dropping the journal's unfinished last line"
        );
        truncate(&path, complete_len)?;
    }
    Ok(trials)
}

/// The complete trials and the byte length of the lines they fill.
fn parse_journal(dir: &Path) -> Result<(Vec<Trial>, u64), ModnasError> {
    let path = dir.join(JOURNAL_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], 0)),
        Err(e) => return Err(ModnasError::io(&path, e)),
    };
    let mut trials = vec![];
    let mut seen = std::collections::BTreeSet::new();
    let mut complete_len = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if !line.ends_with('\n') {
            break;
        }
        let at = |what: String| refuse(dir, format!("`{JOURNAL_FILE}` line {}: {what}", i + 1));
        let trial: Trial =
            serde_json::from_str(line).map_err(|e| at(format!("corrupted ({e})")))?;
        // A local run records trials in index order; a distributed one in the order its
        // optimizer learned them. Either way an index appears once.
        if !seen.insert(trial.index) {
            return Err(at(format!("trial index {} appears twice", trial.index)));
        }
        trials.push(trial);
        complete_len += line.len() as u64;
    }
    Ok((trials, complete_len))
}
