//! `modnas compare`: a 2 × 2 matrix on tiny data writes one table row per combination and
//! both pictures, resumes without running finished combinations again, and checks every
//! config before the first run.

use modnas::{
    batch::compare::run_compare, batch::compare::CompareEvent, batch::compare::COMPARE_CSV,
    batch::compare::COMPARE_JOURNAL, RunMode,
};
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
    std::fs::write(dir.join("search.toml"), crate::common::DARTS_SEARCH).unwrap();
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
    let _serial = crate::common::serial();
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
    let _serial = crate::common::serial();
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

#[test]
fn an_augment_stage_whose_optimizer_arguments_do_not_fit_is_refused_before_the_first_run() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let file = dir.path().join("staged.toml");
    // The stage changes the optimizer but keeps arguments of another one.
    let staged = STAGED.replace(
        "    'optim.type = \"RandomSearchOptim\"',\n    'estim.search = { type = \"DefaultEstim\"",
        "    'optim.type = \"RandomSearchOptim\"',\n    'optim.args = { population = 4 }',\n    'estim.search = { type = \"DefaultEstim\"",
    );
    assert_ne!(staged, STAGED);
    std::fs::write(&file, staged).unwrap();
    let out = dir.path().join("out");
    let err = run_compare(&file, &out, RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("augment of spaces.cell")
            && msg.contains("optim.args")
            && msg.contains("population"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing ran");
}

const STAGED: &str = r#"
seeds = [3]
budget = ["estim.search.args.epochs = 1"]
[spaces.cell]
config = "search.toml"
[optimizers.darts]
overrides = ['optim.type = "DARTSOptim"']
[random_baseline]
overrides = [
    'construct.args.mixed_op = "IndexMixedOp"',
    'optim.type = "RandomSearchOptim"',
    'estim.search = { type = "SubNetEstim", args = { trials = 1, epochs = 1 } }',
]
[augment]
overrides = [
    'construct.args.mixed_op = "IndexMixedOp"',
    'optim.type = "RandomSearchOptim"',
    'estim.search = { type = "DefaultEstim", args = { epochs = 1 } }',
]
"#;

fn csv_field(row: &str, header: &str, name: &str) -> String {
    let col = header.split(',').position(|h| h == name).unwrap();
    row.split(',').nth(col).unwrap().to_string()
}

#[test]
fn a_random_baseline_and_an_augment_stage_run_once_and_resume() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path());
    std::fs::write(&file, STAGED).unwrap();
    let out = dir.path().join("out");
    let started = events(&file, &out, RunMode::New);
    assert_eq!(
        started,
        [
            "start cell/random/seed-3",
            "start cell/darts/seed-3",
            "start cell/darts/seed-3/augment"
        ]
    );
    // The baseline trained one random architecture of the space, one choice per edge.
    let baseline_trials = modnas::run::read_journal(&out.join("cell/random/seed-3")).unwrap();
    assert_eq!(baseline_trials.len(), 1);
    assert_eq!(baseline_trials[0].arch.len(), 10);
    let random_acc = baseline_trials[0].metrics["acc"];
    // The augment stage trained the search's best architecture.
    let best = modnas::estim::read_arch_file(&out.join("cell/darts/seed-3/best.toml")).unwrap();
    let augment_dir = out.join("cell/darts/seed-3-augment");
    let augmented = modnas::run::read_journal(&augment_dir).unwrap();
    assert_eq!(augmented.len(), 1);
    assert_eq!(augmented[0].arch, best);

    let csv = std::fs::read_to_string(out.join(COMPARE_CSV)).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let (header, random, darts) = (lines[0], lines[1], lines[2]);
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(random.starts_with("cell,random,1,") && darts.starts_with("cell,darts,1,"));
    // The space's baseline is the random architecture's accuracy, for both rows.
    for row in [random, darts] {
        let baseline: f64 = csv_field(row, header, "baseline").parse().unwrap();
        assert!((baseline - random_acc).abs() < 1e-6, "{csv}");
    }
    assert_eq!(csv_field(random, header, "efficiency_per_hour"), "0.000000");
    let augment: f64 = csv_field(darts, header, "augment").parse().unwrap();
    assert!(
        (augment - augmented[0].metrics["acc"]).abs() < 1e-6,
        "{csv}"
    );

    let resumed = events(&file, &out, RunMode::Resume);
    assert_eq!(
        resumed,
        ["skip cell/random/seed-3", "skip cell/darts/seed-3"]
    );
}

#[test]
fn an_optimizer_may_not_take_the_baseline_name() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path());
    std::fs::write(
        &file,
        STAGED.replace("[optimizers.darts]", "[optimizers.random]"),
    )
    .unwrap();
    let err = run_compare(&file, &dir.path().join("out"), RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.is_input_error());
    assert!(err.to_string().contains("optimizers.random"), "{err}");
}
