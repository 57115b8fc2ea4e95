//! `HPTuneEstim`: trials as external commands (metrics on the last stdout line, failures and
//! timeouts recorded) and as nested modnas runs (values as config overrides), resumed like
//! any search.

use modnas::{resume_search, run::read_journal, Config};
use std::path::Path;

/// A shell command whose loss is smallest at `y = 3`; `y = 1` fails and `y = 2` hangs.
const COMMAND: &str = r#"
seed = 1
[space.params]
y = { type = "Categorical", choices = [0, 1, 2, 3, 4] }
[optim]
type = "GridSearchOptim"
[estim.search]
type = "HPTuneEstim"
args = { timeout = 0.5, objective = "loss", mode = "min", command = ["sh", "-c", '''
case {y} in
  1) echo 'out of memory' >&2; exit 7;;
  2) sleep 20;;
esac
echo "{\"loss\": $(( ({y} - 3) * ({y} - 3) )), \"trial\": {trial}}"
'''] }
"#;

#[test]
fn command_trials_record_metrics_failures_and_timeouts() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let cfg = Config::from_toml(COMMAND, &[])?;
    let t0 = std::time::Instant::now();
    let run = crate::common::new_run(&cfg, dir.path())?;
    assert!(t0.elapsed().as_secs() < 10, "the hanging trial was killed");
    assert_eq!((run.outcome.trials, run.outcome.failed), (5, 2));
    let best = run.outcome.best.expect("a best trial");
    assert_eq!(best.arch.get("y"), Some(&3.into()));
    assert_eq!(best.metrics["loss"], 0.0);
    assert_eq!(best.metrics["trial"], 3.0);
    let journal = read_journal(dir.path())?;
    let errors: Vec<_> = journal.iter().map(|t| t.error.clone()).collect();
    assert!(errors[1]
        .as_deref()
        .unwrap()
        .contains("exit status: 7: out of memory"));
    assert!(errors[2]
        .as_deref()
        .unwrap()
        .contains("timed out after 0.5 s"));
    assert!(journal[2].metrics["loss"].is_nan());
    let stderr = dir.path().join("hptune/trial-0001/stderr.log");
    assert_eq!(std::fs::read_to_string(stderr)?, "out of memory\n");
    Ok(())
}

#[test]
fn a_placeholder_that_names_no_parameter_is_refused() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let cfg = Config::from_toml(&COMMAND.replace("{y} in", "{why} in"), &[])?;
    let err = crate::common::new_run(&cfg, dir.path()).unwrap_err();
    assert!(err.is_input_error());
    assert!(
        err.to_string()
            .contains("`{why}`, which is no parameter; known: [y, trial, dir]"),
        "{err}"
    );
    assert!(read_journal(dir.path())?.is_empty());
    Ok(())
}

/// One trial of the nested tuning: a tiny network trained once.
const TRIAL: &str = r#"
seed = 2
[data]
type = "Synthetic"
args = { n = 48, classes = 3, size = 8 }
[model]
type = "ConvNet"
args = { channels = [4, 4], strides = [1, 2] }
[construct.args]
candidates = ["NC3"]
[estim.search]
type = "DefaultEstim"
[trainer]
args = { lr = 0.01, batch_size = 16 }
"#;

fn tuning(trial_config: &Path, param: &str) -> String {
    format!(
        r#"
[space.params]
"{param}" = {{ type = "Categorical", choices = [8, 16] }}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "HPTuneEstim"
args = {{ config = "{}", trials = 1 }}
"#,
        trial_config.display()
    )
}

#[test]
fn nested_runs_take_the_values_as_overrides_and_resume() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let trial_config = dir.path().join("trial.toml");
    std::fs::write(&trial_config, TRIAL)?;
    let run_dir = dir.path().join("tune");
    let cfg = Config::from_toml(&tuning(&trial_config, "trainer.args.batch_size"), &[])?;
    crate::common::new_run(&cfg, &run_dir)?;
    let first = run_dir.join("hptune/trial-0000");
    let nested = Config::from_file(first.join("config.toml"), &[])?;
    assert_eq!(nested.trainer.args["batch_size"].as_integer(), Some(8));
    let first_record = std::fs::read_to_string(first.join("trials.jsonl"))?;

    // A larger budget continues the run: trial 0 is replayed, not run again.
    let run = resume_search(
        &run_dir,
        &["estim.search.args.trials=2".into()],
        &mut |_| {},
    )?;
    assert_eq!(run.outcome.trials, 2);
    assert_eq!(
        std::fs::read_to_string(first.join("trials.jsonl"))?,
        first_record
    );
    let journal = read_journal(&run_dir)?;
    assert_eq!(journal.len(), 2);
    let second = Config::from_file(run_dir.join("hptune/trial-0001/config.toml"), &[])?;
    assert_eq!(second.trainer.args["batch_size"].as_integer(), Some(16));
    // The trial's metrics are its nested run's best.
    let nested_best: toml::Table = toml::from_str(&std::fs::read_to_string(
        run_dir.join("hptune/trial-0001/best.toml"),
    )?)?;
    assert_eq!(
        nested_best["metrics"]["acc"].as_float(),
        Some(journal[1].metrics["acc"])
    );
    Ok(())
}

#[test]
fn a_value_the_nested_config_rejects_stops_the_tuning() -> anyhow::Result<()> {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir()?;
    let trial_config = dir.path().join("trial.toml");
    std::fs::write(&trial_config, TRIAL)?;
    let cfg = Config::from_toml(&tuning(&trial_config, "trainer.args.batch"), &[])?;
    let err = crate::common::new_run(&cfg, &dir.path().join("tune")).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(msg.contains("trainer.args.batch=8"), "{msg}");
    Ok(())
}
