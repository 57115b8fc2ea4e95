//! Pipelines: processes run after their dependencies, read their results through `{name}`,
//! nest, resume past finished processes, and are refused when their directory or file does
//! not fit.

use modnas::{
    batch::pipeline::run_pipeline, batch::pipeline::PIPELINE_JOURNAL, run::read_journal, RunMode,
};
use std::path::Path;

/// A tuning run over `y` whose loss is smallest at `y = 3`.
const TUNE: &str = r#"
[space.params]
y = { type = "Categorical", choices = [1, 3, 4] }
[optim]
type = "GridSearchOptim"
[estim.search]
type = "HPTuneEstim"
args = { objective = "loss", mode = "min", command = ["sh", "-c", 'echo "{\"loss\": $(( ({y} - 3) * ({y} - 3) ))}"'] }
"#;

/// A run whose one trial succeeds only if the best of `tune` (its `best.toml`, passed as an
/// argument) has `y = 3`.
const CHECK: &str = r#"
[space.params]
k = { type = "Categorical", choices = [0] }
[estim.search]
type = "HPTuneEstim"
args = { trials = 1, objective = "ok", command = ["true"] }
"#;

const PIPELINE: &str = r#"
[process.report]
pipeline = "inner.toml"
depends = ["check"]

[process.check]
config = "check.toml"
depends = ["tune"]
overrides = ['''estim.search.args.command = ["sh", "-c", "grep -q 'y = 3' $0/best.toml && echo '{\"ok\": 1}'", "{tune}"]''']

[process.tune]
config = "tune.toml"
"#;

const INNER: &str = r#"
[process.again]
config = "tune.toml"
"#;

fn write_files(dir: &Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::write(dir.join("tune.toml"), TUNE)?;
    std::fs::write(dir.join("check.toml"), CHECK)?;
    std::fs::write(dir.join("inner.toml"), INNER)?;
    let file = dir.join("pipeline.toml");
    std::fs::write(&file, PIPELINE)?;
    Ok(file)
}

fn names(outcomes: &[modnas::batch::pipeline::ProcessOutcome]) -> Vec<(String, bool)> {
    outcomes
        .iter()
        .map(|o| (o.name.clone(), o.skipped))
        .collect()
}

#[test]
fn processes_run_in_dependency_order_and_read_their_inputs() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let file = write_files(dir.path())?;
    let out = dir.path().join("out");
    let mut started = vec![];
    let outcomes = run_pipeline(&file, &out, RunMode::New, &mut |e| {
        if let modnas::batch::pipeline::PipelineEvent::Start { process, .. } = e {
            started.push(process.to_string());
        }
    })?;
    assert_eq!(started, ["tune", "check", "report", "report/again"]);
    let order: Vec<String> = outcomes.iter().map(|o| o.name.clone()).collect();
    assert_eq!(order, ["tune", "check", "report/again", "report"]);
    assert_eq!(outcomes[0].best.as_ref().unwrap().metrics["loss"], 0.0);
    // `check` succeeds only if it found `tune`'s best.toml with y = 3.
    let check = read_journal(&out.join("check"))?;
    assert_eq!(
        (check[0].error.as_deref(), check[0].metrics["ok"]),
        (None, 1.0)
    );
    assert_eq!(read_journal(&out.join("report/again"))?.len(), 3);
    let recorded = std::fs::read_to_string(out.join(PIPELINE_JOURNAL))?;
    assert_eq!(recorded.lines().count(), 3);
    Ok(())
}

#[test]
fn a_resumed_pipeline_skips_finished_processes() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let file = write_files(dir.path())?;
    let out = dir.path().join("out");
    run_pipeline(&file, &out, RunMode::New, &mut |_| {})?;
    // As if it had been killed during `report`: its record line is not there.
    let journal = out.join(PIPELINE_JOURNAL);
    let text = std::fs::read_to_string(&journal)?;
    let kept: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&journal, kept.join("\n") + "\n")?;
    let tune_before = std::fs::read_to_string(out.join("tune/trials.jsonl"))?;

    let outcomes = run_pipeline(&file, &out, RunMode::Resume, &mut |_| {})?;
    assert_eq!(
        names(&outcomes),
        [
            ("tune".into(), true),
            ("check".into(), true),
            ("report/again".into(), true),
            ("report".into(), false)
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("tune/trials.jsonl"))?,
        tune_before
    );

    // A new pipeline into the same directory is refused; so is a resume from another file.
    let err = run_pipeline(&file, &out, RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.is_input_error() && err.to_string().contains("already holds a pipeline"));
    std::fs::write(
        &file,
        PIPELINE.replace("[process.tune]", "# changed\n[process.tune]"),
    )?;
    let err = run_pipeline(&file, &out, RunMode::Resume, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("another pipeline file"), "{err}");
    Ok(())
}

#[test]
fn every_process_is_checked_before_any_runs() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let file = write_files(dir.path())?;
    std::fs::write(
        dir.path().join("inner.toml"),
        "[process.again]\nconfig = \"missing.toml\"\n",
    )?;
    let out = dir.path().join("out");
    let err = run_pipeline(&file, &out, RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("process.report.pipeline") && msg.contains("missing.toml"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing ran, nothing was written");
    Ok(())
}
