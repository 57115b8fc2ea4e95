//! The schema modnas keeps in a trial database, versioned: each migration moves a database one
//! version up, and a database newer than this build is refused rather than misread.

use crate::sql::{SqlConn, Value};
use crate::StorageError;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;

/// `MIGRATIONS[v]` moves a database from version `v` to `v + 1`. The SQL is common to SQLite
/// and PostgreSQL: integers are `BIGINT`, times are seconds since the epoch.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 0 → 1: runs and trials.
    "CREATE TABLE modnas_runs (
        name TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        heartbeat_timeout DOUBLE PRECISION NOT NULL,
        max_attempts BIGINT NOT NULL,
        finished BIGINT NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE modnas_trials (
        run TEXT NOT NULL REFERENCES modnas_runs (name),
        idx BIGINT NOT NULL,
        arch TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        worker TEXT,
        heartbeat DOUBLE PRECISION,
        metrics TEXT,
        seconds DOUBLE PRECISION,
        error TEXT,
        failures TEXT,
        seq BIGINT,
        PRIMARY KEY (run, idx)
    );
    CREATE INDEX modnas_trials_by_state ON modnas_trials (run, state, idx)",
    // 1 → 2: what trials trained (epochs, curve, pruning) and the epoch scores pruners read.
    "ALTER TABLE modnas_trials ADD COLUMN compute TEXT;
    CREATE TABLE modnas_epochs (
        run TEXT NOT NULL REFERENCES modnas_runs (name),
        idx BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        score DOUBLE PRECISION,
        PRIMARY KEY (run, idx, epoch)
    )",
    // 2 → 3: every epoch a worker's trial reported, as its JSON report, for the coordinator's
    // event subscribers (callbacks, the live learning curves).
    "CREATE TABLE modnas_reports (
        run TEXT NOT NULL REFERENCES modnas_runs (name),
        idx BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        report TEXT NOT NULL,
        PRIMARY KEY (run, idx, epoch)
    )",
];

/// Brings the database to [`SCHEMA_VERSION`] inside one exclusive transaction, so processes
/// that open a fresh database at once migrate it once.
pub(crate) fn migrate(conn: &mut dyn SqlConn) -> Result<(), StorageError> {
    conn.begin_exclusive()?;
    let result = migrate_locked(conn);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.execute(end, &[]);
    result.and(ended.map(|_| ()))
}

fn migrate_locked(conn: &mut dyn SqlConn) -> Result<(), StorageError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS modnas_schema (version BIGINT NOT NULL)",
        &[],
    )?;
    let rows = conn.query("SELECT version FROM modnas_schema", &[])?;
    let found = match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(v)) => *v,
        Some(other) => return Err(StorageError::Corrupt(format!("schema version {other:?}"))),
        None => {
            conn.execute("INSERT INTO modnas_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    if found > SCHEMA_VERSION {
        return Err(StorageError::NewerSchema {
            store: conn.describe(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
            conn.execute(statement, &[])?;
        }
        tracing::info!(store = %conn.describe(), from, to = from + 1, "trial storage schema migrated");
    }
    conn.execute(
        "UPDATE modnas_schema SET version = $1",
        &[Value::Int(SCHEMA_VERSION)],
    )?;
    Ok(())
}
