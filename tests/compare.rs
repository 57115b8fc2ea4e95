//! `modnas compare`: a 2 × 2 matrix on tiny data writes one table row per combination and
//! both pictures, resumes without running finished combinations again, and checks every
//! config before the first run.

mod common;

use modnas::{run_compare, CompareEvent, RunMode, COMPARE_CSV, COMPARE_JOURNAL};
use std::path::Path;

const MATRIX: &str = r#"
seeds = [3]
budget = ["estim.search.args.epochs = 1"]
[spaces.two_nodes]
config = "search.toml"
[spaces.one_node]
config = "search.toml"
overrides = ["model.args.nodes = 1"]
baseline = 0.25
[optimizers.darts]
overrides = ['optim.type = "DARTSOptim"']
[optimizers.onelevel]
overrides = ['optim.type = "DirectGradOptim"']
"#;

fn setup(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("search.toml"), common::DARTS_SEARCH).unwrap();
    let file = dir.join("compare.toml");
    std::fs::write(&file, MATRIX).unwrap();
    file
}

fn events(file: &Path, out: &Path, mode: RunMode) -> Vec<String> {
    let mut seen = vec![];
    run_compare(file, out, mode, &mut |e| match e {
        CompareEvent::Start { name, .. } => seen.push(format!("start {name}")),
        CompareEvent::Done {
            name,
            skipped: true,
        } => seen.push(format!("skip {name}")),
        _ => {}
    })
    .unwrap();
    seen
}

#[test]
fn a_matrix_runs_tabulates_draws_and_resumes() {
    let _serial = common::serial();
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path());
    let out = dir.path().join("out");
    let started = events(&file, &out, RunMode::New);
    assert_eq!(
        started,
        [
            "start two_nodes/darts/seed-3",
            "start two_nodes/onelevel/seed-3",
            "start one_node/darts/seed-3",
            "start one_node/onelevel/seed-3"
        ]
    );
    let csv = std::fs::read_to_string(out.join(COMPARE_CSV)).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(
        rows[2].starts_with("one_node,darts,1,") && rows[2].contains(",0.250000,"),
        "{csv}"
    );
    for svg in ["compare-curves.svg", "compare-efficiency.svg"] {
        let body = std::fs::read_to_string(out.join(svg)).unwrap();
        assert!(body.contains("<svg"), "{svg}");
    }
    assert!(std::fs::read_to_string(out.join("compare-efficiency.svg"))
        .unwrap()
        .contains("onelevel"));

    // Interrupted after two runs: the other two run again, the first two are skipped.
    let journal = out.join(COMPARE_JOURNAL);
    let text = std::fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&journal, kept.join("\n") + "\n").unwrap();
    let first_run = out.join("two_nodes/darts/seed-3/trials.jsonl");
    let before = std::fs::read_to_string(&first_run).unwrap();
    let resumed = events(&file, &out, RunMode::Resume);
    assert_eq!(
        resumed,
        [
            "skip two_nodes/darts/seed-3",
            "skip two_nodes/onelevel/seed-3",
            "start one_node/darts/seed-3",
            "start one_node/onelevel/seed-3"
        ]
    );
    assert_eq!(std::fs::read_to_string(&first_run).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        4
    );
}

#[test]
fn every_combination_is_checked_before_the_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path());
    std::fs::write(
        &file,
        MATRIX.replace(
            "'optim.type = \"DirectGradOptim\"'",
            "'optim.type = \"DirectOptim\"'",
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let err = run_compare(&file, &out, RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("spaces.two_nodes × optimizers.onelevel") && msg.contains("`DirectOptim`"),
        "{msg}"
    );
    assert!(!out.exists());
}
