//! The trial store's contract, checked on SQLite and on a real PostgreSQL server.

mod support;

use modnas_param_space::ArchDesc;
use modnas_storage::{
    open_store, RunPolicy, StorageError, TrialResult, TrialState, TrialStore, SCHEMA_VERSION,
};
use std::collections::BTreeSet;
use std::time::Duration;
use support::pg_server::PgServer;

fn arch(i: usize) -> ArchDesc {
    let mut a = ArchDesc::new();
    a.insert("op", format!("op{}", i % 3));
    a.insert("width", i as i64);
    a
}

fn result(acc: f64) -> TrialResult {
    TrialResult {
        metrics: [("acc".to_string(), acc)].into_iter().collect(),
        seconds: 0.5,
        ..TrialResult::default()
    }
}

fn open(url: &str) -> Box<dyn TrialStore> {
    open_store(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Every check, on fresh runs of the store at `url`.
fn contract(url: &str) {
    runs_keep_their_first_config(url);
    resubmission_is_idempotent_and_changes_are_refused(url);
    concurrent_claims_never_share_a_trial(url);
    results_only_from_the_holder(url);
    given_up_trials_retry_then_fail(url);
    silent_workers_lose_their_trial(url);
    the_coordinator_steps_each_result_once(url);
    epoch_scores_and_what_trials_trained_round_trip(url);
    epoch_reports_round_trip_from_an_index(url);
    one_coordinator_per_run(url);
}

/// Workers' epoch reports come back from a trial index on, by trial and epoch; a report of
/// an epoch trained again replaces the first.
fn epoch_reports_round_trip_from_an_index(url: &str) {
    let mut store = open(url);
    let run = "reports";
    store.create_run(run, "", RunPolicy::default()).unwrap();
    for i in 0..3 {
        store.submit(run, i, &arch(i)).unwrap();
    }
    store.record_report(run, 2, 1, "{\"epoch\":1}").unwrap();
    store
        .record_report(run, 0, 1, "{\"epoch\":1,\"old\":true}")
        .unwrap();
    store.record_report(run, 1, 1, "{}").unwrap();
    store.record_report(run, 0, 1, "{\"epoch\":1}").unwrap();
    store.record_report(run, 0, 2, "{\"epoch\":2}").unwrap();
    let all: Vec<(usize, usize, String)> = (store.reports_from(run, 0).unwrap().into_iter())
        .map(|r| (r.index, r.epoch, r.report))
        .collect();
    let expected = [
        (0, 1, "{\"epoch\":1}"),
        (0, 2, "{\"epoch\":2}"),
        (1, 1, "{}"),
        (2, 1, "{\"epoch\":1}"),
    ]
    .map(|(i, e, r)| (i, e, r.to_string()));
    assert_eq!(all, expected);
    let later = store.reports_from(run, 1).unwrap();
    assert_eq!(later.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2]);
}

fn runs_keep_their_first_config(url: &str) {
    let mut s = open(url);
    assert!(s.run("cfg").unwrap().is_none());
    let policy = RunPolicy {
        heartbeat_timeout: 7.0,
        max_attempts: 2,
    };
    let run = s.create_run("cfg", "a = 1", policy).unwrap();
    assert_eq!(
        (run.config.as_str(), run.policy, run.finished),
        ("a = 1", policy, false)
    );
    let again = s.create_run("cfg", "a = 2", RunPolicy::default()).unwrap();
    assert_eq!((again.config.as_str(), again.policy), ("a = 1", policy));
    s.set_finished("cfg", true).unwrap();
    assert!(s.run("cfg").unwrap().unwrap().finished);
    s.create_run("cfg-later", "", policy).unwrap();
    let names = s.runs().unwrap();
    let (first, later) = (
        names.iter().position(|n| n == "cfg"),
        names.iter().position(|n| n == "cfg-later"),
    );
    assert!(first.is_some() && first < later, "runs listed {names:?}");
}

fn resubmission_is_idempotent_and_changes_are_refused(url: &str) {
    let mut s = open(url);
    s.create_run("sub", "", RunPolicy::default()).unwrap();
    s.submit("sub", 0, &arch(0)).unwrap();
    s.submit("sub", 0, &arch(0)).unwrap();
    let err = s.submit("sub", 0, &arch(1)).unwrap_err();
    assert!(
        matches!(err, StorageError::Mismatch { index: 0, .. }),
        "{err}"
    );
    let trials = s.trials("sub").unwrap();
    assert_eq!(trials.len(), 1);
    assert_eq!(
        (trials[0].state, trials[0].attempts),
        (TrialState::Pending, 0)
    );
}

fn concurrent_claims_never_share_a_trial(url: &str) {
    let mut s = open(url);
    s.create_run("race", "", RunPolicy::default()).unwrap();
    for i in 0..40 {
        s.submit("race", i, &arch(i)).unwrap();
    }
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let url = url.to_string();
            std::thread::spawn(move || {
                let mut s = open(&url);
                let worker = format!("w{w}");
                let mut got = vec![];
                while let Some(c) = s.claim("race", &worker).unwrap() {
                    assert_eq!(c.arch, arch(c.index));
                    assert!(s
                        .complete("race", c.index, &worker, &result(c.index as f64))
                        .unwrap());
                    got.push(c.index);
                }
                got
            })
        })
        .collect();
    let mut all = vec![];
    for h in handles {
        all.extend(h.join().unwrap());
    }
    let unique: BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "every trial claimed once: {all:?}");
    assert_eq!(unique, (0..40).collect());
    for t in s.trials("race").unwrap() {
        assert_eq!((t.state, t.attempts), (TrialState::Done, 1));
        assert_eq!(t.result.unwrap().metrics["acc"], t.index as f64);
    }
}

fn results_only_from_the_holder(url: &str) {
    let mut s = open(url);
    s.create_run("hold", "", RunPolicy::default()).unwrap();
    s.submit("hold", 0, &arch(0)).unwrap();
    let c = s.claim("hold", "a").unwrap().unwrap();
    assert_eq!((c.index, c.attempt), (0, 1));
    assert!(s.claim("hold", "b").unwrap().is_none());
    assert!(!s.heartbeat("hold", 0, "b").unwrap());
    assert!(!s.complete("hold", 0, "b", &result(0.1)).unwrap());
    assert!(s.heartbeat("hold", 0, "a").unwrap());
    let mut nan = result(f64::NAN);
    nan.error = Some("loss became NaN".into());
    assert!(s.complete("hold", 0, "a", &nan).unwrap());
    let t = &s.trials("hold").unwrap()[0];
    let r = t.result.as_ref().unwrap();
    assert!(r.metrics["acc"].is_nan());
    assert_eq!(r.error.as_deref(), Some("loss became NaN"));
    // A finished trial is nobody's any more.
    assert!(!s.complete("hold", 0, "a", &result(0.2)).unwrap());
}

fn given_up_trials_retry_then_fail(url: &str) {
    let mut s = open(url);
    let policy = RunPolicy {
        heartbeat_timeout: 60.0,
        max_attempts: 2,
    };
    s.create_run("retry", "", policy).unwrap();
    s.submit("retry", 0, &arch(0)).unwrap();
    s.claim("retry", "a").unwrap().unwrap();
    assert_eq!(
        s.give_up("retry", 0, "a", "out of memory").unwrap(),
        Some(TrialState::Pending)
    );
    assert_eq!(
        s.give_up("retry", 0, "a", "again").unwrap(),
        None,
        "no longer a's"
    );
    let second = s.claim("retry", "b").unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    assert_eq!(
        s.give_up("retry", 0, "b", "device lost").unwrap(),
        Some(TrialState::Failed)
    );
    let t = &s.trials("retry").unwrap()[0];
    assert_eq!((t.state, t.attempts), (TrialState::Failed, 2));
    assert_eq!(
        t.failures.as_deref(),
        Some("attempt by a: out of memory\nattempt by b: device lost")
    );
    assert!(s.claim("retry", "c").unwrap().is_none());
}

fn silent_workers_lose_their_trial(url: &str) {
    let mut s = open(url);
    let policy = RunPolicy {
        heartbeat_timeout: 0.3,
        max_attempts: 3,
    };
    s.create_run("stale", "", policy).unwrap();
    s.submit("stale", 0, &arch(0)).unwrap();
    s.claim("stale", "lost").unwrap().unwrap();
    assert_eq!(
        s.requeue_stale("stale").unwrap(),
        0,
        "still within its timeout"
    );
    std::thread::sleep(Duration::from_millis(700));
    s.submit("stale", 1, &arch(1)).unwrap();
    let trials = s.trials("stale").unwrap();
    let age = trials[0].heartbeat_age.unwrap();
    assert!((0.6..60.0).contains(&age), "heartbeat age {age}");
    assert_eq!(trials[1].heartbeat_age, None, "never claimed");
    assert_eq!(s.requeue_stale("stale").unwrap(), 1);
    assert!(!s.heartbeat("stale", 0, "lost").unwrap());
    let again = s.claim("stale", "alive").unwrap().unwrap();
    assert_eq!(again.attempt, 2);
    assert!(!s.complete("stale", 0, "lost", &result(0.1)).unwrap());
    assert!(s.complete("stale", 0, "alive", &result(0.7)).unwrap());
    let t = &s.trials("stale").unwrap()[0];
    assert_eq!(t.failures.as_deref(), Some("attempt by lost: no heartbeat"));
    assert_eq!(t.result.as_ref().unwrap().metrics["acc"], 0.7);
}

fn the_coordinator_steps_each_result_once(url: &str) {
    let mut s = open(url);
    s.create_run("step", "", RunPolicy::default()).unwrap();
    for i in 0..3 {
        s.submit("step", i, &arch(i)).unwrap();
    }
    for _ in 0..2 {
        let c = s.claim("step", "w").unwrap().unwrap();
        s.complete("step", c.index, "w", &result(0.5)).unwrap();
    }
    let fresh: Vec<usize> = s
        .unstepped("step")
        .unwrap()
        .iter()
        .map(|t| t.index)
        .collect();
    assert_eq!(fresh, vec![0, 1]);
    s.mark_stepped("step", 1, 0).unwrap();
    let fresh: Vec<usize> = s
        .unstepped("step")
        .unwrap()
        .iter()
        .map(|t| t.index)
        .collect();
    assert_eq!(fresh, vec![0]);
    assert_eq!(s.trials("step").unwrap()[1].seq, Some(0));
}

fn one_coordinator_per_run(url: &str) {
    let mut a = open(url);
    let mut b = open(url);
    a.create_run("lock", "", RunPolicy::default()).unwrap();
    let held = a.lock_coordinator("lock").unwrap();
    let err = b
        .lock_coordinator("lock")
        .err()
        .expect("second coordinator refused");
    assert!(matches!(err, StorageError::RunLocked { .. }), "{err}");
    assert!(b.lock_coordinator("other-run").is_ok());
    drop(held);
    assert!(b.lock_coordinator("lock").is_ok());
}

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("modnas-storage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("trials.db").display());
    (dir, url)
}

#[test]
fn sqlite_keeps_the_contract() {
    let (dir, url) = temp_db("contract");
    contract(&url);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn postgres_keeps_the_contract() {
    let Some(server) = PgServer::start_or_skip("postgres_keeps_the_contract") else {
        return;
    };
    contract(&server.url);
    // A database written by a newer modnas is refused, not misread.
    let mut client = postgres::Client::connect(&server.url, postgres::NoTls).unwrap();
    client
        .execute(
            "UPDATE modnas_schema SET version = $1",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let err = open_store(&server.url).err().unwrap();
    assert!(matches!(err, StorageError::NewerSchema { .. }), "{err}");
}

#[test]
fn sqlite_refuses_a_newer_schema_and_bad_addresses() {
    let (dir, url) = temp_db("schema");
    drop(open(&url));
    let db = rusqlite::Connection::open(dir.join("trials.db")).unwrap();
    db.execute(
        "UPDATE modnas_schema SET version = ?1",
        [SCHEMA_VERSION + 1],
    )
    .unwrap();
    let err = open_store(&url).err().unwrap();
    assert!(
        err.to_string()
            .contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{err}"
    );
    // A version-2 database (before workers' epoch reports) is migrated when opened.
    db.execute("UPDATE modnas_schema SET version = 2", [])
        .unwrap();
    db.execute("DROP TABLE modnas_reports", []).unwrap();
    let mut store = open(&url);
    store.create_run("old", "", RunPolicy::default()).unwrap();
    store.record_report("old", 0, 1, "{}").unwrap();
    assert_eq!(store.reports_from("old", 0).unwrap().len(), 1);
    drop(store);
    let err = open_store("ftp://host/x").err().unwrap();
    assert!(matches!(err, StorageError::BadUrl { .. }), "{err}");
    let err = open_store("postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
        .err()
        .unwrap();
    assert!(matches!(err, StorageError::Open { .. }), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

/// Processes that open one fresh SQLite file at the same moment (a coordinator and the workers
/// it starts) all get a usable store: the first open's switch to write-ahead logging and
/// migration wait for each other instead of failing with "database is locked".
#[test]
fn sqlite_fresh_file_opened_at_once_by_many() {
    let (dir, _) = temp_db("fresh");
    for round in 0..20 {
        let url = format!(
            "sqlite://{}",
            dir.join(format!("round{round}.db")).display()
        );
        let start = std::sync::Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (url, start) = (url.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mut s = open_store(&url).map_err(|e| e.to_string())?;
                    s.run("r").map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for o in openers {
            let opened = o.join().unwrap();
            assert!(opened.is_ok(), "round {round}: {opened:?}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

/// Epoch scores (NaN included) and a pruned trial's epochs, curve and reason survive storage.
fn epoch_scores_and_what_trials_trained_round_trip(url: &str) {
    let mut store = open(url);
    let run = "epochs";
    store.create_run(run, "", RunPolicy::default()).unwrap();
    store.submit(run, 0, &arch(0)).unwrap();
    let claimed = store.claim(run, "w").unwrap().unwrap();
    store.report_epoch(run, 0, 1, 0.5).unwrap();
    store.report_epoch(run, 0, 2, 0.25).unwrap();
    store.report_epoch(run, 0, 3, f64::NAN).unwrap();
    assert!(store.epoch_scores(run).unwrap()[2].score.is_nan());
    store.report_epoch(run, 0, 3, 0.75).unwrap(); // a second report replaces the first
    let scores = store.epoch_scores(run).unwrap();
    let pairs: Vec<(usize, usize, f64)> =
        scores.iter().map(|s| (s.index, s.epoch, s.score)).collect();
    assert_eq!(pairs, [(0, 1, 0.5), (0, 2, 0.25), (0, 3, 0.75)]);
    let pruned = TrialResult {
        epochs: Some(2),
        curve: vec![0.5, f64::NAN],
        pruned: Some("epoch 2: below the median".into()),
        ..result(0.25)
    };
    assert!(store.complete(run, claimed.index, "w", &pruned).unwrap());
    let back = store.trials(run).unwrap()[0].result.clone().unwrap();
    assert_eq!((back.epochs, back.pruned), (pruned.epochs, pruned.pruned));
    assert_eq!(back.curve[0], 0.5);
    assert!(back.curve[1].is_nan());
}
