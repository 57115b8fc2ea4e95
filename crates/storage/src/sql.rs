//! One [`TrialStore`] over any SQL connection: the statements are shared, and each database
//! supplies its connection ([`SqlConn`]), its clock and its claim clause.

use crate::schema::{migrate, SCHEMA_VERSION};
use crate::trial_store::{arch_json, metrics_json, parse_arch, parse_metrics};
use crate::{
    Claimed, CoordinatorLock, EpochScore, RunPolicy, StorageError, StoredReport, StoredRun,
    StoredTrial, TrialResult, TrialState, TrialStore,
};
use modnas_param_space::ArchDesc;

/// A value passed to or read from a statement. Integers are 64-bit everywhere (`BIGINT`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// SQL `NULL`.
    Null,
    /// A `BIGINT`.
    Int(i64),
    /// A `DOUBLE PRECISION`.
    Real(f64),
    /// A `TEXT`.
    Text(String),
}

impl Value {
    fn int(&self) -> Result<i64, StorageError> {
        match self {
            Value::Int(i) => Ok(*i),
            other => Err(StorageError::Corrupt(format!(
                "expected an integer, got {other:?}"
            ))),
        }
    }

    fn real(&self) -> Result<Option<f64>, StorageError> {
        match self {
            Value::Null => Ok(None),
            Value::Real(r) => Ok(Some(*r)),
            Value::Int(i) => Ok(Some(*i as f64)),
            other => Err(StorageError::Corrupt(format!(
                "expected a number, got {other:?}"
            ))),
        }
    }

    fn text(&self) -> Result<Option<&str>, StorageError> {
        match self {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            other => Err(StorageError::Corrupt(format!(
                "expected text, got {other:?}"
            ))),
        }
    }

    fn required_text(&self) -> Result<&str, StorageError> {
        self.text()?
            .ok_or_else(|| StorageError::Corrupt("a required text column is NULL".into()))
    }
}

/// A connection to one database. Statements use `$1`, `$2`… placeholders and `NOW()` for the
/// database clock in seconds since the epoch; the connection translates both to its dialect.
pub(crate) trait SqlConn: Send {
    /// The address, for messages.
    fn describe(&self) -> String;
    /// Runs a statement; returns the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError>;
    /// Runs a query; returns its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StorageError>;
    /// Begins a transaction that no other process can enter until it ends (schema migration).
    fn begin_exclusive(&mut self) -> Result<(), StorageError>;
    /// Extra clause of the claim's inner `SELECT` (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    fn claim_lock_clause(&self) -> &'static str;
    /// Takes the run's coordinator lock.
    fn lock_coordinator(&mut self, run: &str) -> Result<Box<dyn CoordinatorLock>, StorageError>;
}

/// A [`TrialStore`] on an SQL connection.
pub(crate) struct SqlStore<C: SqlConn> {
    conn: C,
}

impl<C: SqlConn> SqlStore<C> {
    /// Wraps `conn`, creating or upgrading the schema; refuses a newer schema.
    pub(crate) fn new(mut conn: C) -> Result<Self, StorageError> {
        migrate(&mut conn)?;
        tracing::debug!(store = %conn.describe(), version = SCHEMA_VERSION, "trial storage opened");
        Ok(Self { conn })
    }
}

/// The columns [`trial_row`] reads; the heartbeat's age is taken on the database's clock.
const TRIAL_COLUMNS: &str = "idx, arch, state, attempts, worker, metrics, seconds, error, \
     failures, seq, NOW() - heartbeat, compute";

/// What a trial trained, as the `compute` column holds it (JSON).
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Compute {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    epochs: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    curve: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pruned: Option<String>,
}

fn compute_json(r: &TrialResult) -> String {
    let c = Compute {
        epochs: r.epochs,
        curve: r
            .curve
            .iter()
            .map(|s| (!s.is_nan()).then_some(*s))
            .collect(),
        pruned: r.pruned.clone(),
    };
    serde_json::to_string(&c).unwrap_or_else(|_| "{}".into())
}

fn parse_compute(text: Option<&str>) -> Result<Compute, StorageError> {
    match text {
        None => Ok(Compute::default()),
        Some(t) => serde_json::from_str(t)
            .map_err(|e| StorageError::Corrupt(format!("trial compute {t:?}: {e}"))),
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn int(i: usize) -> Value {
    Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
}

fn to_usize(v: &Value) -> Result<usize, StorageError> {
    let i = v.int()?;
    usize::try_from(i).map_err(|_| StorageError::Corrupt(format!("negative index {i}")))
}

fn trial_row(row: &[Value]) -> Result<StoredTrial, StorageError> {
    let [idx, arch, state, attempts, worker, metrics, seconds, error, failures, seq, heartbeat_age, compute] =
        row
    else {
        return Err(StorageError::Corrupt(format!(
            "trial row of {} columns",
            row.len()
        )));
    };
    let state = TrialState::parse(state.required_text()?)?;
    let result = match (state, metrics.text()?) {
        (TrialState::Done, Some(m)) => {
            let c = parse_compute(compute.text()?)?;
            Some(TrialResult {
                metrics: parse_metrics(m)?,
                seconds: seconds.real()?.unwrap_or(0.0),
                error: error.text()?.map(str::to_string),
                epochs: c.epochs,
                curve: c.curve.iter().map(|s| s.unwrap_or(f64::NAN)).collect(),
                pruned: c.pruned,
            })
        }
        _ => None,
    };
    Ok(StoredTrial {
        index: to_usize(idx)?,
        arch: parse_arch(arch.required_text()?)?,
        state,
        attempts: u32::try_from(attempts.int()?).unwrap_or(u32::MAX),
        worker: worker.text()?.map(str::to_string),
        result,
        failures: failures.text()?.map(str::to_string),
        seq: match seq {
            Value::Null => None,
            v => Some(to_usize(v)?),
        },
        heartbeat_age: heartbeat_age.real()?,
    })
}

impl<C: SqlConn> TrialStore for SqlStore<C> {
    fn describe(&self) -> String {
        self.conn.describe()
    }

    fn create_run(
        &mut self,
        run: &str,
        config: &str,
        policy: RunPolicy,
    ) -> Result<StoredRun, StorageError> {
        self.conn.execute(
            "INSERT INTO modnas_runs (name, config, heartbeat_timeout, max_attempts, finished, created_at) \
             VALUES ($1, $2, $3, $4, 0, NOW()) ON CONFLICT (name) DO NOTHING",
            &[
                text(run),
                text(config),
                Value::Real(policy.heartbeat_timeout),
                Value::Int(i64::from(policy.max_attempts)),
            ],
        )?;
        self.run(run)?.ok_or_else(|| StorageError::NoRun {
            run: run.into(),
            store: self.describe(),
        })
    }

    fn runs(&mut self) -> Result<Vec<String>, StorageError> {
        let rows = self.conn.query(
            "SELECT name FROM modnas_runs ORDER BY created_at, name",
            &[],
        )?;
        rows.iter()
            .map(|r| match r.first() {
                Some(name) => name.required_text().map(str::to_string),
                None => Err(StorageError::Corrupt("run row without a name".into())),
            })
            .collect()
    }

    fn run(&mut self, run: &str) -> Result<Option<StoredRun>, StorageError> {
        let rows = self.conn.query(
            "SELECT config, heartbeat_timeout, max_attempts, finished FROM modnas_runs WHERE name = $1",
            &[text(run)],
        )?;
        let Some([config, timeout, attempts, finished]) = rows.first().map(Vec::as_slice) else {
            return Ok(None);
        };
        Ok(Some(StoredRun {
            name: run.to_string(),
            config: config.required_text()?.to_string(),
            policy: RunPolicy {
                heartbeat_timeout: timeout.real()?.unwrap_or(30.0),
                max_attempts: u32::try_from(attempts.int()?).unwrap_or(1),
            },
            finished: finished.int()? != 0,
        }))
    }

    fn set_finished(&mut self, run: &str, finished: bool) -> Result<(), StorageError> {
        self.conn.execute(
            "UPDATE modnas_runs SET finished = $2 WHERE name = $1",
            &[text(run), Value::Int(i64::from(finished))],
        )?;
        Ok(())
    }

    fn lock_coordinator(&mut self, run: &str) -> Result<Box<dyn CoordinatorLock>, StorageError> {
        self.conn.lock_coordinator(run)
    }

    fn submit(&mut self, run: &str, index: usize, arch: &ArchDesc) -> Result<(), StorageError> {
        let json = arch_json(arch);
        self.conn.execute(
            "INSERT INTO modnas_trials (run, idx, arch, state, attempts) VALUES ($1, $2, $3, 'pending', 0) \
             ON CONFLICT (run, idx) DO NOTHING",
            &[text(run), int(index), text(&json)],
        )?;
        let rows = self.conn.query(
            "SELECT arch FROM modnas_trials WHERE run = $1 AND idx = $2",
            &[text(run), int(index)],
        )?;
        let stored = rows
            .first()
            .and_then(|r| r.first())
            .map(Value::required_text)
            .transpose()?
            .unwrap_or_default();
        if parse_arch(stored)? != *arch {
            return Err(StorageError::Mismatch {
                run: run.into(),
                index,
                stored: stored.into(),
                proposed: json,
            });
        }
        Ok(())
    }

    fn claim(&mut self, run: &str, worker: &str) -> Result<Option<Claimed>, StorageError> {
        let sql = format!(
            "UPDATE modnas_trials SET state = 'running', worker = $2, attempts = attempts + 1, heartbeat = NOW() \
             WHERE run = $1 AND idx = (SELECT idx FROM modnas_trials WHERE run = $1 AND state = 'pending' \
             ORDER BY idx LIMIT 1 {}) RETURNING idx, arch, attempts",
            self.conn.claim_lock_clause()
        );
        let rows = self.conn.query(&sql, &[text(run), text(worker)])?;
        let Some([idx, arch, attempts]) = rows.first().map(Vec::as_slice) else {
            return Ok(None);
        };
        Ok(Some(Claimed {
            index: to_usize(idx)?,
            arch: parse_arch(arch.required_text()?)?,
            attempt: u32::try_from(attempts.int()?).unwrap_or(u32::MAX),
        }))
    }

    fn heartbeat(&mut self, run: &str, index: usize, worker: &str) -> Result<bool, StorageError> {
        let n = self.conn.execute(
            "UPDATE modnas_trials SET heartbeat = NOW() \
             WHERE run = $1 AND idx = $2 AND worker = $3 AND state = 'running'",
            &[text(run), int(index), text(worker)],
        )?;
        Ok(n > 0)
    }

    fn complete(
        &mut self,
        run: &str,
        index: usize,
        worker: &str,
        result: &TrialResult,
    ) -> Result<bool, StorageError> {
        let error = result.error.as_deref().map_or(Value::Null, text);
        let n = self.conn.execute(
            "UPDATE modnas_trials SET state = 'done', metrics = $4, seconds = $5, error = $6, \
             compute = $7 WHERE run = $1 AND idx = $2 AND worker = $3 AND state = 'running'",
            &[
                text(run),
                int(index),
                text(worker),
                text(&metrics_json(&result.metrics)),
                Value::Real(result.seconds),
                error,
                text(&compute_json(result)),
            ],
        )?;
        Ok(n > 0)
    }

    fn give_up(
        &mut self,
        run: &str,
        index: usize,
        worker: &str,
        reason: &str,
    ) -> Result<Option<TrialState>, StorageError> {
        let line = format!("attempt by {worker}: {reason}");
        let rows = self.conn.query(
            "UPDATE modnas_trials SET \
             state = CASE WHEN attempts >= (SELECT max_attempts FROM modnas_runs WHERE name = $1) \
                     THEN 'failed' ELSE 'pending' END, \
             failures = COALESCE(failures || $5, '') || $4, \
             worker = NULL \
             WHERE run = $1 AND idx = $2 AND worker = $3 AND state = 'running' RETURNING state",
            &[text(run), int(index), text(worker), text(&line), text("\n")],
        )?;
        rows.first()
            .and_then(|r| r.first())
            .map(|s| TrialState::parse(s.required_text()?))
            .transpose()
    }

    fn requeue_stale(&mut self, run: &str) -> Result<usize, StorageError> {
        let rows = self.conn.query(
            "UPDATE modnas_trials SET \
             state = CASE WHEN attempts >= (SELECT max_attempts FROM modnas_runs WHERE name = $1) \
                     THEN 'failed' ELSE 'pending' END, \
             failures = COALESCE(failures || $2, '') || 'attempt by ' || worker || ': no heartbeat', \
             worker = NULL \
             WHERE run = $1 AND state = 'running' \
             AND heartbeat < NOW() - (SELECT heartbeat_timeout FROM modnas_runs WHERE name = $1) \
             RETURNING idx, state",
            &[text(run), text("\n")],
        )?;
        for row in &rows {
            if let [idx, state] = row.as_slice() {
                tracing::warn!(
                    run,
                    trial = idx.int().unwrap_or(-1),
                    state = state.text().ok().flatten().unwrap_or("?"),
                    "a worker stopped heartbeating; its trial was taken back"
                );
            }
        }
        Ok(rows.len())
    }

    fn unstepped(&mut self, run: &str) -> Result<Vec<StoredTrial>, StorageError> {
        let rows = self.conn.query(
            &format!(
                "SELECT {TRIAL_COLUMNS} FROM modnas_trials \
                 WHERE run = $1 AND state IN ('done', 'failed') AND seq IS NULL ORDER BY idx"
            ),
            &[text(run)],
        )?;
        rows.iter().map(|r| trial_row(r)).collect()
    }

    fn mark_stepped(&mut self, run: &str, index: usize, seq: usize) -> Result<(), StorageError> {
        self.conn.execute(
            "UPDATE modnas_trials SET seq = $3 WHERE run = $1 AND idx = $2",
            &[text(run), int(index), int(seq)],
        )?;
        Ok(())
    }

    fn report_epoch(
        &mut self,
        run: &str,
        index: usize,
        epoch: usize,
        score: f64,
    ) -> Result<(), StorageError> {
        // NaN is kept by PostgreSQL and read back from SQLite's NULL.
        let score = Value::Real(score);
        self.conn.execute(
            "INSERT INTO modnas_epochs (run, idx, epoch, score) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (run, idx, epoch) DO UPDATE SET score = excluded.score",
            &[text(run), int(index), int(epoch), score],
        )?;
        Ok(())
    }

    fn record_report(
        &mut self,
        run: &str,
        index: usize,
        epoch: usize,
        report: &str,
    ) -> Result<(), StorageError> {
        self.conn.execute(
            "INSERT INTO modnas_reports (run, idx, epoch, report) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (run, idx, epoch) DO UPDATE SET report = excluded.report",
            &[text(run), int(index), int(epoch), text(report)],
        )?;
        Ok(())
    }

    fn reports_from(
        &mut self,
        run: &str,
        from_index: usize,
    ) -> Result<Vec<StoredReport>, StorageError> {
        let rows = self.conn.query(
            "SELECT idx, epoch, report FROM modnas_reports WHERE run = $1 AND idx >= $2 \
             ORDER BY idx, epoch",
            &[text(run), int(from_index)],
        )?;
        rows.iter()
            .map(|r| match r.as_slice() {
                [idx, epoch, Value::Text(report)] => Ok(StoredReport {
                    index: to_usize(idx)?,
                    epoch: to_usize(epoch)?,
                    report: report.clone(),
                }),
                _ => Err(StorageError::Corrupt("report row".into())),
            })
            .collect()
    }

    fn epoch_scores(&mut self, run: &str) -> Result<Vec<EpochScore>, StorageError> {
        let rows = self.conn.query(
            "SELECT idx, epoch, score FROM modnas_epochs WHERE run = $1 ORDER BY idx, epoch",
            &[text(run)],
        )?;
        rows.iter()
            .map(|r| match r.as_slice() {
                [idx, epoch, score] => Ok(EpochScore {
                    index: to_usize(idx)?,
                    epoch: to_usize(epoch)?,
                    score: score.real()?.unwrap_or(f64::NAN),
                }),
                _ => Err(StorageError::Corrupt("epoch row".into())),
            })
            .collect()
    }

    fn trials(&mut self, run: &str) -> Result<Vec<StoredTrial>, StorageError> {
        let rows = self.conn.query(
            &format!("SELECT {TRIAL_COLUMNS} FROM modnas_trials WHERE run = $1 ORDER BY idx"),
            &[text(run)],
        )?;
        rows.iter().map(|r| trial_row(r)).collect()
    }
}
