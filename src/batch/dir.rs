//! A directory of many runs (a pipeline, a comparison): a copy of the file that describes
//! them, and a journal with one JSON line per finished run. A new batch refuses a directory
//! that holds one; an overwrite removes the runs' directories and both files; a resume needs
//! the same file and returns the recorded lines, so finished runs are skipped.

use crate::run::dir::{refuse, write_atomic};
use crate::run::lock::DirLock;
use crate::{ModnasError, RunMode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The two files of a batch directory and what the batch is called in messages.
pub(crate) struct BatchDir<'a> {
    /// The directory.
    pub out: &'a Path,
    /// The copy of the describing file (`pipeline.toml`).
    pub copy: &'a str,
    /// The journal (`pipeline.jsonl`).
    pub journal: &'a str,
    /// `pipeline`, `comparison`.
    pub what: &'a str,
}

impl BatchDir<'_> {
    /// Takes the directory for this process (refused while another one writes it) and makes it
    /// ready for the batch described by `text`, in `mode`; `runs` are the directories an
    /// overwrite removes. Returns the lock to hold while the batch runs and the journal's
    /// records.
    pub fn prepare<T: DeserializeOwned>(
        &self,
        text: &str,
        runs: &[PathBuf],
        mode: RunMode,
    ) -> Result<(DirLock, Vec<T>), ModnasError> {
        DirLock::acquire_for(self.out, || self.prepare_locked(text, runs, mode))
    }

    fn prepare_locked<T: DeserializeOwned>(
        &self,
        text: &str,
        runs: &[PathBuf],
        mode: RunMode,
    ) -> Result<Vec<T>, ModnasError> {
        let (out, what, copy) = (self.out, self.what, self.out.join(self.copy));
        let done = match mode {
            RunMode::New if copy.exists() => {
                return Err(refuse(
                    out,
                    format!("already holds a {what}; continue it with `--resume`, replace it with `--overwrite`, or choose another `--out`"),
                ))
            }
            RunMode::New => vec![],
            RunMode::Overwrite => {
                for dir in runs.iter().filter(|d| d.exists()) {
                    std::fs::remove_dir_all(dir).map_err(|e| ModnasError::io(dir, e))?;
                }
                for file in [self.copy, self.journal] {
                    let _ = std::fs::remove_file(out.join(file));
                }
                vec![]
            }
            RunMode::Resume => {
                let recorded = std::fs::read_to_string(&copy).map_err(|_| {
                    refuse(out, format!("holds no {what} to resume ({} is missing)", self.copy))
                })?;
                if recorded != text {
                    return Err(refuse(
                        out,
                        format!("was started from another {what} file (its {} differs); resume with the same file or use `--overwrite`", self.copy),
                    ));
                }
                self.records()?
            }
        };
        std::fs::create_dir_all(out).map_err(|e| ModnasError::io(out, e))?;
        write_atomic(&copy, text)?;
        Ok(done)
    }

    /// The journal's records (none when it does not exist).
    pub fn records<T: DeserializeOwned>(&self) -> Result<Vec<T>, ModnasError> {
        let Ok(text) = std::fs::read_to_string(self.out.join(self.journal)) else {
            return Ok(vec![]);
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    refuse(
                        self.out,
                        format!("has a damaged {} (line {}: {e})", self.journal, i + 1),
                    )
                })
            })
            .collect()
    }

    /// Appends `record` to the journal and flushes it.
    pub fn append<T: Serialize>(&self, record: &T) -> Result<(), ModnasError> {
        let path = self.out.join(self.journal);
        let line = serde_json::to_string(record).expect("a record serializes");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| writeln!(f, "{line}").and_then(|_| f.flush()))
            .map_err(|e| ModnasError::io(&path, e))
    }
}
