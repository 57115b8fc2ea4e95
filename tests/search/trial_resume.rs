//! Resume inside a trial: trials checkpoint after each epoch in the run directory
//! (`trial-checkpoints/`); a search stopped in the middle of a trial resumes that trial at its
//! last checkpointed epoch, and its journal equals an undisturbed run's. Here a callback stops
//! the run at one epoch (as a crash would); `crates/cli/tests/cli/resume.rs` kills a real
//! process.

use crate::common::journal_without_seconds as journal;
use crate::common::serial;
use modnas::estim::{register_callback, EstimError, RunCallback, RunEvent};
use modnas::run::read_journal;
use modnas::{resume_search, run_search, Config, RunMode};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set to make `StopOnce` stop the run the next time its trial reports its epoch.
static ARMED: AtomicBool = AtomicBool::new(false);

/// Fails the run once, when trial `trial` (default 1) reports epoch 3.
struct StopOnce {
    trial: usize,
}

impl RunCallback for StopOnce {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        if let RunEvent::EpochReported { report } = event {
            if report.trial == self.trial
                && report.epoch == 3
                && ARMED.swap(false, Ordering::SeqCst)
            {
                return Err(EstimError::Record("the machine went down".into()));
            }
        }
        Ok(())
    }
}

/// The arguments of [`StopOnce`].
#[modnas::core::nas_config]
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct StopOnceArgs {
    /// The trial whose run stops once.
    #[config(default = 1)]
    trial: usize,
}
register_callback!(
    /// stops the run once, at an epoch of a trial (tests)
    "StopOnce", |args: StopOnceArgs| Ok(Box::new(StopOnce { trial: args.trial }))
);

const IMAGES: &str = r#"
seed = 4
[data]
type = "Synthetic"
args = { n = 48, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 5, trials = 3 }
[trainer]
args = { optimizer = "sgd", lr = 0.05, momentum = 0.9, batch_size = 16, crop_padding = 1, flip = true }
[[callbacks]]
type = "StopOnce"
[[callbacks]]
type = "EventLog"
"#;

/// Runs `cfg` undisturbed, and again stopped once by `StopOnce` and resumed; checks that the
/// journals are equal and returns the resumed run's directory.
fn stopped_and_resumed(cfg: &Config) -> tempfile::TempDir {
    let whole = tempfile::tempdir().unwrap();
    ARMED.store(false, Ordering::SeqCst);
    run_search(cfg, whole.path(), RunMode::New, &mut |_| {}).unwrap();
    let stopped = tempfile::tempdir().unwrap();
    ARMED.store(true, Ordering::SeqCst);
    let err = run_search(cfg, stopped.path(), RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("the machine went down"), "{err}");
    resume_search(stopped.path(), &[], &mut |_| {}).unwrap();
    assert_eq!(journal(stopped.path()), journal(whole.path()));
    stopped
}

/// The epochs trial `trial` reported in the `n`-th process of the run (from 0), from the
/// run's `events.jsonl`.
fn epochs_reported(dir: &Path, trial: u64, n: usize) -> Vec<u64> {
    let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    events
        .split(|e| e["event"] == "run_started")
        .nth(n + 1)
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "epoch_reported" && e["report"]["trial"] == trial)
        .map(|e| e["report"]["epoch"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_search_stopped_inside_a_trial_resumes_it_at_its_last_epoch() {
    let _serial = serial();
    let cfg = Config::from_toml(IMAGES, &[]).unwrap();
    let whole = tempfile::tempdir().unwrap();
    ARMED.store(false, Ordering::SeqCst);
    run_search(&cfg, whole.path(), RunMode::New, &mut |_| {}).unwrap();

    let stopped = tempfile::tempdir().unwrap();
    ARMED.store(true, Ordering::SeqCst);
    let err = run_search(&cfg, stopped.path(), RunMode::New, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("the machine went down"), "{err}");
    assert_eq!(read_journal(stopped.path()).unwrap().len(), 1);
    let checkpoint = stopped.path().join("trial-checkpoints/trial-0001");
    assert!(checkpoint.join("checkpoint/state.toml").exists());

    resume_search(stopped.path(), &[], &mut |_| {}).unwrap();
    assert_eq!(journal(stopped.path()), journal(whole.path()));
    // Trial 1 went on from its checkpoint after epoch 2 (epoch 3's report stopped the run
    // before its checkpoint, and before `EventLog` heard of it): epochs 3, 4, 5 after the
    // restart, none of 1 and 2 again.
    assert_eq!(epochs_reported(stopped.path(), 1, 0), [1, 2]);
    assert_eq!(epochs_reported(stopped.path(), 1, 1), [3, 4, 5]);
    assert!(
        !stopped.path().join("trial-checkpoints").exists(),
        "gone with the last trial"
    );
    let epochs: Vec<Option<usize>> = read_journal(stopped.path())
        .unwrap()
        .iter()
        .map(|t| t.epochs)
        .collect();
    assert_eq!(epochs, [Some(5); 3]);
}

#[test]
fn a_task_trial_resumes_inside_fit() {
    let _serial = serial();
    let text = format!(
        "{}\n[[callbacks]]\ntype = \"StopOnce\"\n[[callbacks]]\ntype = \"EventLog\"\n",
        crate::user_task::TASK
    );
    let o = ["optim.type=\"GridSearchOptim\"".to_string()];
    let stopped = stopped_and_resumed(&Config::from_toml(&text, &o).unwrap());
    assert_eq!(epochs_reported(stopped.path(), 1, 1), [3, 4, 5, 6, 7, 8]);
    // With dropout too: each epoch seeds the device from the trial's seed, so the resumed
    // epochs draw the masks the undisturbed run drew (the journals are equal).
    let mut o = o.to_vec();
    o.push("task.args.dropout=0.5".to_string());
    let stopped = stopped_and_resumed(&Config::from_toml(&text, &o).unwrap());
    assert_eq!(epochs_reported(stopped.path(), 1, 1), [3, 4, 5, 6, 7, 8]);
}

#[test]
fn the_final_training_resumes_inside_its_epochs() {
    let _serial = serial();
    let o: Vec<String> = [
        "estim.search.type=\"DefaultEstim\"",
        "estim.search.args={ epochs = 5 }",
        "callbacks=[{ type = \"StopOnce\", args = { trial = 0 } }, { type = \"EventLog\" }]",
    ]
    .map(String::from)
    .to_vec();
    let stopped = stopped_and_resumed(&Config::from_toml(IMAGES, &o).unwrap());
    assert_eq!(epochs_reported(stopped.path(), 0, 1), [3, 4, 5]);
}
