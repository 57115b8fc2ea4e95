//! PostgreSQL: the store for clusters, reached by every machine that runs a worker.

use crate::sql::{SqlConn, SqlStore, Value};
use crate::{CoordinatorLock, StorageError, TrialStore};
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, NoTls, Row};
use std::str::FromStr;
use std::time::Duration;

/// How long connecting may take when the address sets no `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Opens the PostgreSQL trial store at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, or a
/// key-value string such as `host=/run/postgresql dbname=nas`), creating modnas's tables
/// when missing.
pub fn open_postgres(url: &str) -> Result<Box<dyn TrialStore>, StorageError> {
    let conn = PgConn::connect(url)?;
    Ok(Box::new(SqlStore::new(conn)?))
}

struct PgConn {
    client: Client,
    config: Config,
    shown: String,
}

impl PgConn {
    fn connect(url: &str) -> Result<Self, StorageError> {
        let shown = redact_url(url);
        let mut config = Config::from_str(url).map_err(|e| StorageError::Open {
            store: shown.clone(),
            reason: e.to_string(),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = config.connect(NoTls).map_err(|e| StorageError::Open {
            store: shown.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            client,
            config,
            shown,
        })
    }

    fn err(&self, e: postgres::Error) -> StorageError {
        StorageError::Database {
            store: self.shown.clone(),
            reason: e.to_string(),
        }
    }
}

/// A storage address without its password, for messages and displays.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url
            .split_whitespace()
            .filter(|kv| !kv.starts_with("password="))
            .collect::<Vec<_>>()
            .join(" ");
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

fn bind(params: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Value::Null => Box::new(None::<String>),
                Value::Int(i) => Box::new(*i),
                Value::Real(r) => Box::new(*r),
                Value::Text(s) => Box::new(s.clone()),
            }
        })
        .collect()
}

fn read(row: &Row, i: usize) -> Result<Value, postgres::Error> {
    let ty = row.columns()[i].type_().clone();
    Ok(if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?
            .map_or(Value::Null, Value::Real)
    } else if ty == Type::NUMERIC {
        // `extract(epoch ...)` is NUMERIC; statements cast it, this is a fallback.
        Value::Null
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |b| Value::Int(b.into()))
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text)
    })
}

/// `NOW()` becomes the transaction-independent clock in epoch seconds.
fn dialect(sql: &str) -> String {
    sql.replace(
        "NOW()",
        "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
    )
}

impl SqlConn for PgConn {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let owned = bind(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(AsRef::as_ref).collect();
        let r = self.client.execute(dialect(sql).as_str(), &refs);
        r.map_err(|e| self.err(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StorageError> {
        let owned = bind(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(AsRef::as_ref).collect();
        let rows = self
            .client
            .query(dialect(sql).as_str(), &refs)
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| read(row, i)).collect())
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    fn begin_exclusive(&mut self) -> Result<(), StorageError> {
        // A transaction-scoped advisory lock: concurrent first openers migrate one at a time.
        let r = self
            .client
            .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7263514)");
        r.map_err(|e| self.err(e))
    }

    fn claim_lock_clause(&self) -> &'static str {
        "FOR UPDATE SKIP LOCKED"
    }

    fn lock_coordinator(&mut self, run: &str) -> Result<Box<dyn CoordinatorLock>, StorageError> {
        // A session advisory lock on a connection of its own: PostgreSQL releases it when the
        // connection ends, also when the coordinator is killed.
        let mut client = self.config.connect(NoTls).map_err(|e| self.err(e))?;
        let key = format!("modnas-coordinator:{run}");
        let got: bool = client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                &[&key],
            )
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.err(e))?;
        if got {
            Ok(Box::new(SessionLock { _client: client }))
        } else {
            Err(StorageError::RunLocked {
                run: run.into(),
                store: self.describe(),
            })
        }
    }
}

/// Holds the connection that holds the advisory lock.
struct SessionLock {
    _client: Client,
}

impl CoordinatorLock for SessionLock {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://nas:secret@db:5432/runs"),
            "postgres://nas@db:5432/runs"
        );
        assert_eq!(redact_url("postgres://db/runs"), "postgres://db/runs");
        assert_eq!(
            redact_url("host=/tmp user=nas password=secret"),
            "host=/tmp user=nas"
        );
    }

    #[test]
    fn a_malformed_address_is_an_open_error() {
        let err = open_postgres("postgres://nas@db:notaport/runs")
            .err()
            .unwrap();
        assert!(matches!(err, StorageError::Open { .. }), "{err}");
    }
}
