//! Each endpoint on finished runs, and the requests it refuses.

use crate::{run_dir, trial_line};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use modnas_dashboard::{router, Dashboard};
use serde_json::Value;
use tower::ServiceExt;

/// (status, content type, body) of `GET uri`.
pub async fn get(dashboard: &Dashboard, uri: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = router(dashboard.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

pub async fn get_json(dashboard: &Dashboard, uri: &str) -> Value {
    let (status, _, body) = get(dashboard, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn two_runs(root: &std::path::Path) -> Dashboard {
    let a = run_dir(
        root,
        "a",
        &[
            trial_line(0, "NC3", Some(0.5)),
            trial_line(1, "NC5", None),
            "{ not json\n".to_string(),
            trial_line(2, "NC5", Some(0.75)),
            trial_line(3, "NC3", Some(0.6)),
        ],
    );
    let b = run_dir(root, "b", &[trial_line(0, "NC5", Some(0.9))]);
    Dashboard::open(&[a, b]).unwrap()
}

#[tokio::test]
async fn status_trials_and_curve_follow_the_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_runs(tmp.path());
    let runs = get_json(&d, "/api/runs").await;
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let s = get_json(&d, "/api/runs/0/status").await;
    assert_eq!(s["name"], "a");
    assert_eq!(s["optimizer"], "RandomSearchOptim");
    assert_eq!(s["estimator"], "SubNetEstim");
    assert_eq!(
        (s["done"].as_u64(), s["failed"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(s["budget"], 6);
    assert_eq!(s["best"], 0.75);
    assert_eq!(
        s["malformed_lines"], 1,
        "the broken line is skipped and counted"
    );
    assert_eq!(s["running"], false);
    let page = get_json(&d, "/api/runs/0/trials?since=2").await;
    assert_eq!(
        (page["total"].as_u64(), page["since"].as_u64()),
        (Some(4), Some(2))
    );
    let indices: Vec<u64> = page["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [2, 3]);
    let curve = get_json(&d, "/api/runs/0/curve").await;
    let best: Vec<f64> = curve
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["best"].as_f64().unwrap())
        .collect();
    assert_eq!(
        best,
        [0.5, 0.5, 0.75, 0.75],
        "from the first success, the failed trial keeping the best"
    );
    assert_eq!(get_json(&d, "/api/runs/1/status").await["best"], 0.9);
}

#[tokio::test]
async fn pruned_trials_and_epochs_are_counted_and_never_the_best() {
    let tmp = tempfile::tempdir().unwrap();
    let line = |index: usize, acc: f64, epochs: usize, pruned: Option<&str>| {
        let mut t = serde_json::json!({
            "index": index, "arch": { "convs.0": "NC3" }, "metrics": { "acc": acc },
            "seconds": 0.5, "epochs": epochs, "curve": [acc]
        });
        if let Some(why) = pruned {
            t["pruned"] = why.into();
        }
        format!("{t}\n")
    };
    let dir = run_dir(
        tmp.path(),
        "asha",
        &[
            line(0, 0.6, 3, None),
            line(1, 0.9, 1, Some("epoch 1: below the rung's best")),
            line(2, 0.7, 3, None),
        ],
    );
    let d = Dashboard::open(&[dir]).unwrap();
    let s = get_json(&d, "/api/runs/0/status").await;
    assert_eq!(
        (s["pruned"].as_u64(), s["epochs"].as_f64()),
        (Some(1), Some(7.0))
    );
    assert_eq!(s["best"], 0.7, "a pruned trial is never the best");
    let curve = get_json(&d, "/api/runs/0/curve").await;
    let epochs: Vec<f64> = curve
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["epochs"].as_f64().unwrap())
        .collect();
    assert_eq!(
        epochs,
        [3.0, 4.0, 7.0],
        "best so far against epochs trained"
    );

    // The learning curves, live: trial 3 is training (reported, not recorded yet), and a
    // half-written report waits for its end of line.
    let report = |trial: usize, epoch: usize, acc: f64| {
        serde_json::json!({ "trial": trial, "epoch": epoch, "metrics": { "acc": acc },
                            "seconds": 0.1 * epoch as f64 })
        .to_string()
    };
    let lines = [report(0, 1, 0.5), report(1, 1, 0.9), report(3, 1, 0.4)];
    let text = format!("{}\n{}", lines.join("\n"), &report(3, 2, 0.6)[..10]);
    std::fs::write(tmp.path().join("asha/epochs.jsonl"), text).unwrap();
    let page = get_json(&d, "/api/runs/0/epochs?since=1").await;
    assert_eq!(
        (page["total"].as_u64(), page["since"].as_u64()),
        (Some(3), Some(1))
    );
    let got: Vec<(u64, u64)> = page["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["trial"].as_u64().unwrap(), r["epoch"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [(1, 1), (3, 1)]);
}

#[tokio::test]
async fn alphas_and_the_pareto_front_are_served_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_dir(tmp.path(), "s", &[]);
    let snap = r#"{"epoch":0,"params":{"normal.e0":{"NIL":0.2,"SC3":0.8}}}"#;
    std::fs::write(dir.join("alphas.jsonl"), format!("{snap}\n{snap}\n")).unwrap();
    std::fs::write(
        dir.join("pareto_front.jsonl"),
        "{\"arch\":{\"x\":1},\"metrics\":{\"acc\":0.5}}\n",
    )
    .unwrap();
    let d = Dashboard::open(&[dir]).unwrap();
    let alphas = get_json(&d, "/api/runs/0/alphas").await;
    assert_eq!(alphas.as_array().unwrap().len(), 2);
    assert_eq!(alphas[1]["params"]["normal.e0"]["SC3"], 0.8);
    let front = get_json(&d, "/api/runs/0/pareto").await;
    assert_eq!(front[0]["metrics"]["acc"], 0.5);
    assert_eq!(
        get_json(&d, "/api/runs/0/status").await["best"],
        Value::Null
    );
}

#[tokio::test]
async fn a_trials_architecture_is_drawn_as_svg_with_its_strings_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let evil = "<script>alert(1)</script>";
    let dir = run_dir(tmp.path(), "x", &[trial_line(0, evil, Some(0.5))]);
    let d = Dashboard::open(&[dir]).unwrap();
    let list = get_json(&d, "/api/runs/0/trials/0/arch").await;
    assert_eq!(list["graphs"].as_array().unwrap().len(), 1);
    let (status, content_type, svg) = get(&d, "/api/runs/0/trials/0/arch/0").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "image/svg+xml");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        !svg.contains("<script"),
        "the op name is text, not markup: {svg}"
    );
    assert!(svg.contains("&lt;script&gt;"), "{svg}");
}

#[tokio::test]
async fn paths_ids_and_names_outside_the_api_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_runs(tmp.path());
    for uri in [
        "/assets/..%2F..%2FCargo.toml",
        "/assets/../../Cargo.toml",
        "/assets/index.html.bak",
        "/api/runs/2/status",
        "/api/runs/0/trials/99/arch",
        "/api/runs/0/trials/0/arch/5",
        "/config.toml",
        "/trials.jsonl",
    ] {
        let (status, _, body) = get(&d, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(
            !body.contains("RandomSearchOptim"),
            "{uri} leaked a file: {body}"
        );
    }
    for uri in [
        "/api/runs/abc/status",
        "/api/runs/-1/status",
        "/api/runs/0/trials?since=x",
    ] {
        let (status, _, _) = get(&d, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
    }
    let (status, content_type, page) = get(&d, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html") && page.contains("/assets/uPlot.iife.min.js"));
    let (status, _, license) = get(&d, "/assets/LICENSE-uPlot").await;
    assert_eq!(status, StatusCode::OK);
    assert!(license.contains("MIT License"));
}

#[test]
fn a_directory_without_a_run_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let e = Dashboard::open(&[tmp.path().join("nothing")])
        .err()
        .unwrap();
    assert!(e.is_input_error());
    assert!(
        e.to_string().contains("nothing") && e.to_string().contains("config.toml"),
        "{e}"
    );
    assert!(Dashboard::open(&[]).err().unwrap().is_input_error());
}
