//! SQLite: the embedded store, one file (by default in the run directory) shared by the
//! processes of one machine.

use crate::sql::{SqlConn, SqlStore, Value};
use crate::{CoordinatorLock, StorageError, TrialStore};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens (creating when missing) the SQLite trial store at `path`.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("modnas-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let mut store = modnas_storage::open_sqlite(&dir.join("trials.db")).unwrap();
/// assert!(store.run("missing").unwrap().is_none());
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
pub fn open_sqlite(path: &Path) -> Result<Box<dyn TrialStore>, StorageError> {
    let conn = Connection::open(path).map_err(|e| StorageError::Open {
        store: describe(path),
        reason: e.to_string(),
    })?;
    let store = SqliteConn {
        conn,
        path: path.to_path_buf(),
    };
    store.configure()?;
    Ok(Box::new(SqlStore::new(store)?))
}

fn is_busy(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

fn describe(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

struct SqliteConn {
    conn: Connection,
    path: PathBuf,
}

impl SqliteConn {
    fn err(&self, e: rusqlite::Error) -> StorageError {
        StorageError::Database {
            store: self.describe(),
            reason: e.to_string(),
        }
    }

    /// Write-ahead logging lets workers read while another process writes.
    ///
    /// SQLite answers a journal-mode switch that meets another opener's lock with "database
    /// is locked" at once, without its busy handler; processes that open a fresh file together
    /// (a coordinator and its workers) meet there, so the switch is retried for as long as a
    /// statement would wait.
    fn configure(&self) -> Result<(), StorageError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.err(e))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(mode) => {
                    if !mode.eq_ignore_ascii_case("wal") {
                        // Some file systems (network mounts) cannot share WAL memory; the
                        // rollback journal still works, with readers waiting on writers.
                        tracing::warn!(store = %self.describe(), mode, "SQLite kept its journal mode; write-ahead logging is unavailable here");
                    }
                    return Ok(());
                }
                Err(e) if is_busy(&e) && start.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(self.err(e)),
            }
        }
    }
}

/// `$n` placeholders become SQLite's `?n`, and `NOW()` its clock in epoch seconds.
fn dialect(sql: &str) -> String {
    sql.replace("NOW()", "((julianday('now') - 2440587.5) * 86400.0)")
        .replace('$', "?")
}

fn bind(params: &[Value]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    params
        .iter()
        .map(|p| match p {
            Value::Null => V::Null,
            Value::Int(i) => V::Integer(*i),
            Value::Real(r) => V::Real(*r),
            Value::Text(s) => V::Text(s.clone()),
        })
        .collect()
}

fn read(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

impl SqlConn for SqliteConn {
    fn describe(&self) -> String {
        describe(&self.path)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let n = self
            .conn
            .execute(&dialect(sql), rusqlite::params_from_iter(bind(params)))
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StorageError> {
        let run = || -> rusqlite::Result<Vec<Vec<Value>>> {
            let mut stmt = self.conn.prepare(&dialect(sql))?;
            let cols = stmt.column_count();
            let rows = stmt.query_map(rusqlite::params_from_iter(bind(params)), |row| {
                (0..cols).map(|i| row.get_ref(i).map(read)).collect()
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    fn begin_exclusive(&mut self) -> Result<(), StorageError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))
    }

    fn claim_lock_clause(&self) -> &'static str {
        // The UPDATE holds SQLite's write lock from its read to its write.
        ""
    }

    fn lock_coordinator(&mut self, run: &str) -> Result<Box<dyn CoordinatorLock>, StorageError> {
        let path = lock_path(&self.path, run);
        let file = File::create(&path).map_err(|e| StorageError::Open {
            store: self.describe(),
            reason: format!("lock file {}: {e}", path.display()),
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Box::new(FileLock { _file: file })),
            Err(TryLockError::WouldBlock) => Err(StorageError::RunLocked {
                run: run.into(),
                store: self.describe(),
            }),
            Err(TryLockError::Error(e)) => Err(StorageError::Open {
                store: self.describe(),
                reason: format!("lock file {}: {e}", path.display()),
            }),
        }
    }
}

/// An OS file lock, released by the kernel when the process dies, so a killed coordinator
/// never leaves its run locked.
struct FileLock {
    _file: File,
}

impl CoordinatorLock for FileLock {}

/// `<db>.<run>.lock`, with the run name's characters kept to a safe set and a hash of the
/// exact name so that distinct names never share a lock.
fn lock_path(db: &Path, run: &str) -> PathBuf {
    let safe: String = run
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // FNV-1a: stable across builds, unlike std's hasher.
    let hash = run.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".{safe}-{hash:016x}.lock"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_clock_are_translated() {
        assert_eq!(
            dialect("SELECT $1 WHERE t < NOW()"),
            "SELECT ?1 WHERE t < ((julianday('now') - 2440587.5) * 86400.0)"
        );
    }

    #[test]
    fn lock_paths_differ_for_names_that_sanitize_alike() {
        let db = Path::new("/x/trials.db");
        assert_ne!(lock_path(db, "a b"), lock_path(db, "a_b"));
        assert!(lock_path(db, "a b")
            .to_string_lossy()
            .starts_with("/x/trials.db.a_b-"));
    }
}
