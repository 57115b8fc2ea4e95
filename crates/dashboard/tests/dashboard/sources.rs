//! Runs found in a batch directory and in a trial storage, as they appear.

use crate::api::get_json;
use crate::{run_dir, trial_line, CONFIG};
use modnas::param_space::ArchDesc;
use modnas::storage::{open_store, RunPolicy, TrialResult};
use modnas_dashboard::Dashboard;

fn names(runs: &serde_json::Value) -> Vec<&str> {
    runs.as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"]["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_comparison_directory_shows_its_runs_as_they_start_and_its_efficiency_table() {
    let tmp = tempfile::tempdir().unwrap();
    let cmp = tmp.path().join("cmp");
    std::fs::create_dir_all(cmp.join("s/random")).unwrap();
    std::fs::write(cmp.join("compare.toml"), "seeds = [0, 1]").unwrap();
    run_dir(
        &cmp.join("s/random"),
        "seed-0",
        &[trial_line(0, "NC3", Some(0.8))],
    );
    let record = serde_json::json!({"space": "s", "optim": "random", "seed": 0,
        "objective": "acc", "best": 0.8, "baseline": 0.5, "wall_seconds": 360.0,
        "eval_seconds": 0.5, "trials": 1, "failed": 0});
    std::fs::write(cmp.join("compare.jsonl"), format!("{record}\n")).unwrap();
    let d = Dashboard::open(std::slice::from_ref(&cmp)).unwrap();
    assert_eq!(
        names(&get_json(&d, "/api/runs").await),
        ["cmp/s/random/seed-0"]
    );
    // The comparison starts its next run: the dashboard finds it without a restart.
    run_dir(&cmp.join("s/random"), "seed-1", &[]);
    assert_eq!(
        names(&get_json(&d, "/api/runs").await),
        ["cmp/s/random/seed-0", "cmp/s/random/seed-1"]
    );
    let batches = get_json(&d, "/api/batches").await;
    let batch = &batches[0];
    assert_eq!(batch["kind"], "compare");
    assert_eq!(batch["runs"], serde_json::json!([0, 1]));
    assert_eq!(batch["finished"], 1);
    let cell = &batch["cells"][0];
    assert_eq!(
        (&cell["space"], &cell["optim"]),
        (&"s".into(), &"random".into())
    );
    // (0.8 − 0.5) in a tenth of an hour.
    assert!(
        (cell["efficiency"].as_f64().unwrap() - 3.0).abs() < 1e-9,
        "{cell}"
    );
}

#[tokio::test]
async fn a_storage_shows_each_run_its_trial_states_and_workers() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", tmp.path().join("trials.db").display());
    let missing = format!("sqlite://{}", tmp.path().join("none.db").display());
    let e = Dashboard::open_with_storage(&[], &[missing]).err().unwrap();
    assert!(
        e.is_input_error() && e.to_string().contains("none.db"),
        "{e}"
    );
    assert!(
        !tmp.path().join("none.db").exists(),
        "a missing storage is not created"
    );

    let mut store = open_store(&url).unwrap();
    store
        .create_run("r1", CONFIG, RunPolicy::default())
        .unwrap();
    for i in 0..3 {
        let mut arch = ArchDesc::new();
        arch.insert("convs.0", if i == 1 { "NC5" } else { "NC3" });
        store.submit("r1", i, &arch).unwrap();
    }
    let done = TrialResult {
        metrics: [("acc".to_string(), 0.75)].into_iter().collect(),
        seconds: 2.0,
        ..TrialResult::default()
    };
    // A worker records each epoch's report before it stores the trial's result.
    let report = |trial: usize, epoch: usize| {
        serde_json::json!({ "trial": trial, "epoch": epoch, "metrics": { "acc": 0.5 },
                            "seconds": 0.1 })
        .to_string()
    };
    assert_eq!(store.claim("r1", "w1").unwrap().unwrap().index, 0);
    store.record_report("r1", 0, 1, &report(0, 1)).unwrap();
    assert!(store.complete("r1", 0, "w1", &done).unwrap());
    assert_eq!(store.claim("r1", "w2").unwrap().unwrap().index, 1);

    let d = Dashboard::open_with_storage(&[], std::slice::from_ref(&url)).unwrap();
    let runs = get_json(&d, "/api/runs").await;
    assert_eq!(names(&runs), ["r1"]);
    let status = &runs[0]["status"];
    assert_eq!(
        (&status["done"], &status["best"]),
        (&1.into(), &0.75.into())
    );
    assert_eq!(
        (&status["running"], &status["distributed"]),
        (&true.into(), &true.into())
    );
    let w = get_json(&d, "/api/runs/0/workers").await;
    assert_eq!(
        (&w["pending"], &w["running"], &w["done"], &w["failed"]),
        (&1.into(), &1.into(), &1.into(), &0.into())
    );
    let (w1, w2) = (&w["workers"][0], &w["workers"][1]);
    assert_eq!(
        (&w1["name"], &w1["done"], &w1["holding"]),
        (&"w1".into(), &1.into(), &serde_json::json!([]))
    );
    assert_eq!(
        (&w2["name"], &w2["holding"]),
        (&"w2".into(), &serde_json::json!([1]))
    );
    let age = w2["heartbeat_age"].as_f64().unwrap();
    assert!((0.0..60.0).contains(&age) && w2["silent"] == false, "{w2}");

    // The epochs the workers reported, live: trial 0 finished, trial 1 in training.
    store.record_report("r1", 1, 1, &report(1, 1)).unwrap();
    let epochs = |page: &serde_json::Value| -> Vec<(u64, u64)> {
        (page["epochs"].as_array().unwrap().iter())
            .map(|r| (r["trial"].as_u64().unwrap(), r["epoch"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(
        epochs(&get_json(&d, "/api/runs/0/epochs").await),
        [(0, 1), (1, 1)]
    );
    store.record_report("r1", 1, 2, &report(1, 2)).unwrap();
    let page = get_json(&d, "/api/runs/0/epochs?since=2").await;
    assert_eq!(
        epochs(&page),
        [(1, 2)],
        "the running trial's new epoch, once"
    );

    // A second run in the same storage, and the first one finished by its coordinator.
    store
        .create_run("r2", CONFIG, RunPolicy::default())
        .unwrap();
    store.set_finished("r1", true).unwrap();
    let runs = get_json(&d, "/api/runs").await;
    assert_eq!(names(&runs), ["r1", "r2"]);
    assert_eq!(runs[0]["status"]["running"], false);
    assert_eq!(get_json(&d, "/api/runs/1/status").await["done"], 0);
}

#[tokio::test]
async fn a_local_run_has_no_workers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_dir(tmp.path(), "a", &[]);
    let d = Dashboard::open(&[dir]).unwrap();
    assert!(get_json(&d, "/api/runs/0/workers").await.is_null());
    assert_eq!(get_json(&d, "/api/batches").await, serde_json::json!([]));
}

#[tokio::test]
async fn a_run_directorys_storage_is_reported_unreachable_until_it_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_dir(tmp.path(), "dist", &[]);
    std::fs::write(
        dir.join("config.toml"),
        format!("storage = \"sqlite\"\n{CONFIG}"),
    )
    .unwrap();
    let d = Dashboard::open(std::slice::from_ref(&dir)).unwrap();
    // The coordinator has not created its storage yet: the panel says why it shows nothing.
    let w = get_json(&d, "/api/runs/0/workers").await;
    assert_eq!(w["run"], "dist");
    assert!(
        w["unreachable"].as_str().unwrap().contains("no such file"),
        "{w}"
    );
    assert_eq!(w["workers"], serde_json::json!([]));
    let url = w["storage"].as_str().unwrap().to_string();
    let mut store = open_store(&url).unwrap();
    store
        .create_run("dist", CONFIG, RunPolicy::default())
        .unwrap();
    // Tried again after a pause (half a second, then doubling): opened within a few seconds.
    let opened = async {
        for _ in 0..40 {
            let w = get_json(&d, "/api/runs/0/workers").await;
            if w["unreachable"].is_null() {
                return w;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the storage was not opened");
    };
    let w = opened.await;
    assert_eq!((&w["run"], &w["pending"]), (&"dist".into(), &0.into()));
}
