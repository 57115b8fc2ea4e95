//! Distributed runs with real processes: a `modnas search` coordinator and `modnas worker`
//! processes sharing a trial storage (SQLite, and PostgreSQL when a server can be started).
//! Workers are killed with SIGKILL mid-trial, coordinators are killed and resumed, and every
//! trial still ends done exactly once.

use crate::common::{modnas, search_ok_with, write_config};
use crate::pg_server::PgServer;
use modnas_storage::{open_store, TrialState};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(crate) const ARCHS: usize = 24;

/// A grid of 24 architectures, each trained briefly on synthetic data (long enough that a
/// worker can be killed in the middle of one).
pub(crate) fn training_config(storage: &str, run: &str) -> String {
    format!(
        r#"
seed = 5
storage = "{storage}"
metrics = ["ParamCountMetric"]
[workers]
run = "{run}"
in_flight = 3
heartbeat_timeout = 2.0
[data]
type = "Synthetic"
args = {{ n = 480, classes = 3, size = 8 }}
[model]
type = "ConvNet"
args = {{ channels = [4, 8], strides = [1, 2] }}
[construct.args]
candidates = ["NC3", "IDT"]
[space.params]
lr_scale = {{ type = "Categorical", choices = [1, 2, 3, 4, 5, 6] }}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 3, trials = 100 }}
[trainer]
args = {{ optimizer = "adam", lr = 0.01, batch_size = 32 }}
"#
    )
}

/// Starts `modnas worker`; its output goes to `dir/worker-NAME.log`, which failures print.
pub(crate) fn worker(storage: &str, run: &str, name: &str, dir: &Path) -> Child {
    worker_with(storage, run, name, dir, &[])
}

/// [`worker`] with `extra` arguments, logging at `info`.
fn worker_with(storage: &str, run: &str, name: &str, dir: &Path, extra: &[&str]) -> Child {
    let log = std::fs::File::create(worker_log(dir, name)).unwrap();
    modnas()
        .env("MODNAS_LOG", "info")
        .args([
            "worker",
            "-q",
            "--storage",
            storage,
            "--run",
            run,
            "--name",
            name,
        ])
        .args(extra)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn worker_log(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("worker-{name}.log"))
}

pub(crate) fn coordinator(cfg: &Path, out: &Path, resume: bool) -> Child {
    let mut cmd = modnas();
    cmd.args(["search", "-q"]);
    if resume {
        cmd.arg("--resume").arg(out);
    } else {
        cmd.arg("-c").arg(cfg).arg("--out").arg(out);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` (at most `limit`); panics with its output when it fails.
pub(crate) fn wait_ok(mut child: Child, limit: Duration) {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The output of every worker started in `dir`, for failure messages.
fn worker_logs(dir: &Path) -> String {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    logs.iter()
        .map(|p| {
            format!(
                "--- {}\n{}",
                p.display(),
                std::fs::read_to_string(p).unwrap_or_default()
            )
        })
        .collect()
}

/// Polls the store until `pred` holds for the run's trials; fails at once if the
/// coordinator exits, with its output and the workers' in `dir`.
fn wait_for(
    coord: &mut Child,
    dir: &Path,
    storage: &str,
    run: &str,
    what: &str,
    pred: impl Fn(&[modnas_storage::StoredTrial]) -> bool,
) {
    let start = Instant::now();
    let mut store = open_store(storage).unwrap();
    loop {
        if let Some(status) = coord.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = coord.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).ok();
            }
            panic!(
                "the coordinator exited ({status}) before {what}: {err}\n{}",
                worker_logs(dir)
            );
        }
        if store.run(run).unwrap().is_some() && pred(&store.trials(run).unwrap()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every one of the 24 trials is done, each stored once; the journal holds each once.
fn check_all_done_once(storage: &str, run: &str, out: &Path) -> Vec<modnas_storage::StoredTrial> {
    let trials = open_store(storage).unwrap().trials(run).unwrap();
    assert_eq!(trials.len(), ARCHS);
    for t in &trials {
        assert_eq!(
            t.state,
            TrialState::Done,
            "trial {}: {:?}",
            t.index,
            t.failures
        );
        assert!(t.result.as_ref().unwrap().metrics["acc"].is_finite());
    }
    let journal = std::fs::read_to_string(out.join("trials.jsonl")).unwrap();
    let indices: Vec<u64> = journal
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["index"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let unique: BTreeSet<u64> = indices.iter().copied().collect();
    assert_eq!((indices.len(), unique.len()), (ARCHS, ARCHS), "{indices:?}");
    trials
}

/// Three workers checkpointing their trials in the run directory; one is killed with SIGKILL
/// while it holds a trial it has checkpointed, which is re-queued and resumed at its
/// checkpoint by another worker.
fn killed_worker(storage: &str, dir: &Path) {
    let run = "killed-worker";
    // Epochs long enough to kill the victim between two.
    let text = training_config(storage, run).replace("epochs = 3", "epochs = 8");
    let cfg = write_config(dir, &text);
    let out = dir.join("killed-worker");
    let mut coord = coordinator(&cfg, &out, false);
    let checkpoints = ["--checkpoints", out.to_str().unwrap()];
    let mut victim = worker_with(storage, run, "victim", dir, &checkpoints);
    let others = [
        worker_with(storage, run, "w1", dir, &checkpoints),
        worker_with(storage, run, "w2", dir, &checkpoints),
    ];
    // A whole checkpoint (staged ones are renamed to the newest's name once written).
    let newest = modnas::estim::CHECKPOINT_DIRS[0];
    let checkpointed = |index: usize| {
        let trial = modnas::estim::trial_checkpoint_dir(&out, index);
        trial.join(newest).join("state.toml").is_file()
    };
    wait_for(
        &mut coord,
        dir,
        storage,
        run,
        "the victim to hold a trial it checkpointed",
        |ts| {
            ts.iter().any(|t| {
                t.state == TrialState::Running
                    && t.worker.as_deref() == Some("victim")
                    && checkpointed(t.index)
            })
        },
    );
    victim.kill().unwrap();
    victim.wait().unwrap();
    wait_ok(coord, Duration::from_secs(180));
    for w in others {
        wait_ok(w, Duration::from_secs(30));
    }
    let trials = check_all_done_once(storage, run, &out);
    let retried: Vec<_> = trials.iter().filter(|t| t.attempts > 1).collect();
    assert_eq!(retried.len(), 1, "exactly the victim's trial ran twice");
    assert_eq!(
        retried[0].failures.as_deref(),
        Some("attempt by victim: no heartbeat")
    );
    assert_ne!(retried[0].worker.as_deref(), Some("victim"));
    // The next worker resumed it at its checkpoint; recorded, its checkpoints are gone.
    let logs = worker_logs(dir);
    assert!(logs.contains("trial resumed from its checkpoint"), "{logs}");
    let left = out.join(modnas::estim::TRIAL_CHECKPOINTS);
    assert!(
        !left.exists(),
        "{:?}",
        std::fs::read_dir(&left).map(|d| d.count())
    );
}

/// The coordinator is killed mid-run and resumed; workers keep going; nothing is lost or
/// evaluated twice, and a second coordinator on the same run is refused meanwhile.
fn killed_coordinator(storage: &str, dir: &Path) {
    let run = "killed-coordinator";
    let cfg = write_config(dir, &training_config(storage, run));
    let out = dir.join("killed-coordinator");
    let mut coord = coordinator(&cfg, &out, false);
    let workers = [
        worker(storage, run, "a", dir),
        worker(storage, run, "b", dir),
    ];
    wait_for(&mut coord, dir, storage, run, "a few results", |ts| {
        ts.iter().filter(|t| t.seq.is_some()).count() >= 5
    });
    let second = modnas()
        .args(["search", "-q", "-c"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.join("second"))
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("live coordinator"));
    // The refused run leaves no run behind (only its log), so its `--out` can be used again.
    for file in ["run.toml", "config.toml"] {
        assert!(!dir.join("second").join(file).exists(), "{file} was left");
    }
    coord.kill().unwrap();
    coord.wait().unwrap();
    wait_ok(coordinator(&cfg, &out, true), Duration::from_secs(180));
    for w in workers {
        wait_ok(w, Duration::from_secs(30));
    }
    let trials = check_all_done_once(storage, run, &out);
    assert!(
        trials.iter().all(|t| t.attempts == 1),
        "nothing evaluated twice"
    );
    let seqs: BTreeSet<usize> = trials.iter().filter_map(|t| t.seq).collect();
    assert_eq!(seqs, (0..ARCHS).collect());
}

#[test]
fn sqlite_run_survives_killed_workers_and_coordinators() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = format!("sqlite://{}", tmp.path().join("shared.db").display());
    killed_worker(&storage, tmp.path());
    killed_coordinator(&storage, tmp.path());
}

#[test]
fn postgres_run_survives_killed_workers_and_coordinators() {
    let Some(server) =
        PgServer::start_or_skip("postgres_run_survives_killed_workers_and_coordinators")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    killed_worker(&server.url, tmp.path());
    killed_coordinator(&server.url, tmp.path());
}

#[test]
fn local_workers_match_a_local_run() {
    let tmp = tempfile::tempdir().unwrap();
    let distributed = training_config("sqlite", "ignored").replace("run = \"ignored\"\n", "");
    let local: String = distributed
        .lines()
        .filter(|l| {
            !l.starts_with("storage")
                && !l.starts_with("run =")
                && !l.starts_with("in_flight")
                && !l.starts_with("heartbeat_timeout")
                && *l != "[workers]"
        })
        .collect::<Vec<_>>()
        .join("\n");
    let results = |cfg: &str, name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = write_config(&dir, cfg);
        let out = dir.join("run");
        search_ok_with(&cfg, &out, extra);
        let mut by_index: Vec<(u64, String, f64)> =
            std::fs::read_to_string(out.join("trials.jsonl"))
                .unwrap()
                .lines()
                .map(|l| {
                    let t: serde_json::Value = serde_json::from_str(l).unwrap();
                    (
                        t["index"].as_u64().unwrap(),
                        t["arch"].to_string(),
                        t["metrics"]["acc"].as_f64().unwrap(),
                    )
                })
                .collect();
        by_index.sort_by_key(|t| t.0);
        (by_index, out)
    };
    let (one, _) = results(&local, "local", &[]);
    let (many, out) = results(&distributed, "distributed", &["--workers", "3"]);
    assert_eq!(one.len(), ARCHS);
    assert_eq!(
        one, many,
        "each trial is trained with the same seed wherever it runs"
    );
    let db = out.join("trials.db");
    assert!(
        db.is_file(),
        "`storage = \"sqlite\"` keeps the database in the run"
    );
    // Three workers, 24 trials: every one claimed and evaluated exactly once.
    let trials = open_store(db.to_str().unwrap())
        .unwrap()
        .trials("run")
        .unwrap();
    assert_eq!(trials.len(), ARCHS);
    assert!(trials
        .iter()
        .all(|t| t.state == TrialState::Done && t.attempts == 1));
}

#[test]
fn workers_prune_their_trials_by_the_curves_they_share() {
    let tmp = tempfile::tempdir().unwrap();
    let text = training_config("sqlite", "pruned").replace("trials = 100", "trials = 12")
        + "[pruner]\ntype = \"SuccessiveHalvingPruner\"\n[[callbacks]]\ntype = \"EventLog\"\n";
    let cfg = write_config(tmp.path(), &text);
    let out = tmp.path().join("run");
    search_ok_with(&cfg, &out, &["--workers", "2"]);
    let trials: Vec<serde_json::Value> = std::fs::read_to_string(out.join("trials.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(trials.len(), 12);
    let pruned: Vec<&serde_json::Value> =
        trials.iter().filter(|t| t["pruned"].is_string()).collect();
    assert!(!pruned.is_empty(), "{trials:#?}");
    for t in &trials {
        let epochs = t["epochs"].as_u64().unwrap();
        // A pruned trial stopped at the epoch it was judged at, a rung (1, then 3).
        match t["pruned"].as_str() {
            Some(why) => assert!([1, 3].contains(&epochs) && why.contains("rung"), "{t}"),
            None => assert_eq!(epochs, 3, "{t}"),
        }
        assert_eq!(t["curve"].as_array().unwrap().len() as u64, epochs, "{t}");
    }
    // Every epoch a worker judged went through the storage.
    let mut store = open_store(&format!("sqlite://{}", out.join("trials.db").display())).unwrap();
    let scores = store.epoch_scores("pruned").unwrap();
    let reported: u64 = trials.iter().map(|t| t["epochs"].as_u64().unwrap()).sum();
    assert_eq!(scores.len() as u64, reported);
    // And reached the coordinator's subscribers: its callback's `epoch_reported` events, each
    // before its trial's record, and `epochs.jsonl` (the dashboard's live curves).
    let events: Vec<serde_json::Value> = std::fs::read_to_string(out.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let epochs_of = |i: u64| -> Vec<u64> {
        let reports = events.iter().filter(|e| e["event"] == "epoch_reported");
        (reports.filter(|e| e["report"]["trial"] == i))
            .map(|e| e["report"]["epoch"].as_u64().unwrap())
            .collect()
    };
    for t in &trials {
        let i = t["index"].as_u64().unwrap();
        let epochs = t["epochs"].as_u64().unwrap();
        assert_eq!(epochs_of(i), (1..=epochs).collect::<Vec<_>>(), "trial {i}");
        let position = |pred: &dyn Fn(&serde_json::Value) -> bool| events.iter().position(pred);
        let last_report = position(&|e| {
            e["event"] == "epoch_reported"
                && e["report"]["trial"] == i
                && e["report"]["epoch"] == epochs
        });
        let recorded = position(&|e| e["trial"]["index"] == i);
        assert!(
            last_report < recorded,
            "trial {i}: {last_report:?} {recorded:?}"
        );
    }
    let lines = std::fs::read_to_string(out.join("epochs.jsonl")).unwrap();
    assert_eq!(lines.lines().count() as u64, reported);
}
