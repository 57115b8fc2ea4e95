//! A journal read while another thread writes it, half lines included, and the event stream
//! that tells the page a run has grown.

use crate::api::get_json;
use crate::{run_dir, trial_line};
use axum::body::Body;
use axum::http::Request;
use futures_util::StreamExt;
use modnas_dashboard::{router, Dashboard};
use std::io::Write;
use std::time::Duration;
use tower::ServiceExt;

#[tokio::test]
async fn a_journal_being_written_never_shows_half_a_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_dir(tmp.path(), "live", &[]);
    let d = Dashboard::open(std::slice::from_ref(&dir)).unwrap();
    let total = 40;
    let journal = dir.join("trials.jsonl");
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(journal)
            .unwrap();
        for i in 0..total {
            let line = trial_line(
                i,
                if i % 2 == 0 { "NC3" } else { "NC5" },
                Some(i as f64 / 100.0),
            );
            let (head, tail) = line.split_at(line.len() / 2);
            f.write_all(head.as_bytes()).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(2));
            f.write_all(tail.as_bytes()).unwrap();
            f.flush().unwrap();
        }
    });
    let mut seen = 0;
    let mut reads = 0;
    while seen < total {
        let page = get_json(&d, &format!("/api/runs/0/trials?since={seen}")).await;
        for t in page["trials"].as_array().unwrap() {
            assert_eq!(
                t["index"].as_u64(),
                Some(seen as u64),
                "records in order, none torn"
            );
            seen += 1;
        }
        let status = get_json(&d, "/api/runs/0/status").await;
        assert_eq!(
            status["malformed_lines"], 0,
            "a half line is waited for, not skipped"
        );
        reads += 1;
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    writer.join().unwrap();
    assert!(reads > 1, "the journal was read while it grew");
    assert_eq!(get_json(&d, "/api/runs/0/status").await["best"], 0.39);
}

#[tokio::test]
async fn the_event_stream_names_every_run_then_each_that_grows() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_dir(tmp.path(), "a", &[trial_line(0, "NC3", Some(0.5))]);
    let b = run_dir(tmp.path(), "b", &[]);
    let d = Dashboard::open(&[a, b.clone()]).unwrap();
    let request = Request::get("/api/events").body(Body::empty()).unwrap();
    let response = router(d).oneshot(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.into_body().into_data_stream();
    let mut next_event = async || {
        let mut text = String::new();
        while !text.ends_with("\n\n") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    };
    let first = next_event().await;
    assert!(first.starts_with("event: runs\n"), "{first}");
    assert!(
        first.contains(
            r#"{"alphas":0,"epochs":0,"held":0,"id":0,"pending":0,"running":false,"trials":1}"#
        ),
        "{first}"
    );
    assert!(
        first.contains(
            r#"{"alphas":0,"epochs":0,"held":0,"id":1,"pending":0,"running":false,"trials":0}"#
        ),
        "{first}"
    );
    std::fs::write(b.join("trials.jsonl"), trial_line(0, "NC5", Some(0.7))).unwrap();
    let second = next_event().await;
    assert!(
        second.contains(
            r#"{"alphas":0,"epochs":0,"held":0,"id":1,"pending":0,"running":false,"trials":1}"#
        ),
        "{second}"
    );
    assert!(
        !second.contains(r#""id":0"#),
        "only the run that grew: {second}"
    );
}
