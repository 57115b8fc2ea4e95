//! An exclusive lock on a run or batch directory, held for the life of the process that writes
//! it: a second writer (two `--resume`s of one run, two searches into one `--out`) is refused at
//! once, naming the holder's pid. The operating system releases the lock when its process ends,
//! however it ends, so a killed run does not block its resume.

use crate::run::dir::refuse;
use crate::ModnasError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file in a locked directory; it holds the pid of the last process that locked it.
pub const LOCK_FILE: &str = ".modnas.lock";

/// The lock on one directory; dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
    path: PathBuf,
    /// The directory, when this lock created it.
    created_dir: Option<PathBuf>,
    /// Whether this lock created its file.
    created_file: bool,
}

impl DirLock {
    /// Locks `dir` (created if needed) for this process, or refuses it if another one holds it.
    pub(crate) fn acquire(dir: &Path) -> Result<Self, ModnasError> {
        let created_dir = (!dir.exists()).then(|| dir.to_path_buf());
        std::fs::create_dir_all(dir).map_err(|e| ModnasError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let created_file = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| ModnasError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = match holder.trim() {
                    "" => "another modnas process".to_string(),
                    pid => format!("modnas process {pid}"),
                };
                return Err(refuse(
                    dir,
                    format!("is in use by {holder}; wait for it to end, or stop it first"),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(ModnasError::io(&path, e)),
        }
        file.set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(|e| ModnasError::io(&path, e))?;
        Ok(Self {
            _file: file,
            path,
            created_dir,
            created_file,
        })
    }

    /// Locks `dir` and runs `prepare` in it; when `prepare` fails, the lock is abandoned
    /// ([`DirLock::abandon`]), so a refused run or batch leaves nothing behind.
    pub(crate) fn acquire_for<T>(
        dir: &Path,
        prepare: impl FnOnce() -> Result<T, ModnasError>,
    ) -> Result<(Self, T), ModnasError> {
        let lock = Self::acquire(dir)?;
        match prepare() {
            Ok(prepared) => Ok((lock, prepared)),
            Err(e) => {
                lock.abandon();
                Err(e)
            }
        }
    }

    /// Releases the lock and removes what acquiring it created (the lock file, and the
    /// directory when it is empty then): for a run refused before it wrote anything.
    pub(crate) fn abandon(self) {
        if self.created_file {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(dir) = &self.created_dir {
            let _ = std::fs::remove_dir(dir); // fails, as it should, unless empty
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        let err = DirLock::acquire(dir.path()).unwrap_err();
        assert!(err.is_input_error());
        let text = err.to_string();
        assert!(
            text.contains(&format!("modnas process {}", std::process::id())),
            "{text}"
        );
        drop(first);
        DirLock::acquire(dir.path()).expect("released with its holder");
    }

    #[test]
    fn an_abandoned_lock_leaves_nothing_it_created() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        DirLock::acquire(&dir).unwrap().abandon();
        assert!(!dir.exists());
    }
}
