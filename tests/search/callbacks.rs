//! Run events and `[[callbacks]]`: a callback of the user's own, registered with one line and
//! named in TOML, receives every event of a search in order — the run's start, each trial
//! proposed, started, each of its epochs and then finished or failed, each supernet epoch, the run's end — after the
//! journal has recorded it; `EventLog` writes the same events to `events.jsonl`; an unknown callback lists the
//! known ones.

use crate::common::{serial, DARTS_SEARCH};
use crate::failures::CONFIG as FAILING;
use modnas::estim::{register_callback, EstimError, RunCallback, RunEvent};
use modnas::run::read_journal;
use modnas::{resume_search, run_search, run_search_with, Config, RunMode};
use std::sync::Mutex;

/// What the `Recorder` callbacks of this binary saw: `(label, event name, trial index)`.
static SEEN: Mutex<Vec<(String, String, Option<usize>)>> = Mutex::new(Vec::new());

/// Records every event under its `label` argument.
struct Recorder {
    label: String,
}

impl RunCallback for Recorder {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let index = match event {
            RunEvent::TrialFinished { trial }
            | RunEvent::TrialFailed { trial }
            | RunEvent::TrialPruned { trial } => Some(trial.index),
            RunEvent::TrialProposed { index, .. } | RunEvent::TrialStarted { index } => {
                Some(*index)
            }
            RunEvent::EpochReported { report } => Some(report.trial),
            RunEvent::CheckpointWritten { trial, .. } => *trial,
            RunEvent::SupernetEpoch { alphas } => Some(alphas.epoch),
            _ => None,
        };
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        seen.push((self.label.clone(), event.name().to_string(), index));
        Ok(())
    }
}

/// The arguments of [`Recorder`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RecorderArgs {
    /// The label its events are kept under.
    #[serde(default)]
    label: String,
}
register_callback!(
    /// keeps every event under its label (tests)
    "Recorder", |args: RecorderArgs| Ok(Box::new(Recorder { label: args.label }))
);

/// The events seen since the last call, as `event:index` strings of callback `label`.
fn take(label: &str) -> Vec<String> {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let mine = seen
        .iter()
        .filter(|(l, _, _)| l == label)
        .map(|(_, e, i)| i.map_or(e.clone(), |i| format!("{e}:{i}")))
        .collect();
    seen.clear();
    mine
}

const CALLBACKS: &str = r#"
[[callbacks]]
type = "Recorder"
args = { label = "first" }
[[callbacks]]
type = "EventLog"
"#;

#[test]
fn a_users_callback_receives_every_event_of_a_search_in_order() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(&format!("{FAILING}{CALLBACKS}"), &[]).unwrap();
    take("first");
    run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!(
        take("first"),
        [
            "run_started",
            "trial_proposed:0",
            "trial_started:0",
            "trial_failed:0",
            "trial_proposed:1",
            "trial_started:1",
            "epoch_reported:1",
            "checkpoint_written:1",
            "trial_finished:1",
            "trial_proposed:2",
            "trial_started:2",
            "epoch_reported:2",
            "checkpoint_written:2",
            "trial_failed:2",
            "run_ended"
        ]
    );
    // EventLog wrote the same events, each with what it reports.
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "run_started",
            "trial_proposed",
            "trial_started",
            "trial_failed",
            "trial_proposed",
            "trial_started",
            "epoch_reported",
            "checkpoint_written",
            "trial_finished",
            "trial_proposed",
            "trial_started",
            "epoch_reported",
            "checkpoint_written",
            "trial_failed",
            "run_ended"
        ]
    );
    let journal = read_journal(dir.path()).unwrap();
    assert_eq!(
        events[4]["arch"],
        serde_json::to_value(&journal[1].arch).unwrap()
    );
    // The epoch's report: the training loss, the epoch, the samples seen.
    assert_eq!(events[6]["report"]["trial"], 1);
    assert_eq!(events[6]["report"]["epoch"], 1);
    assert!(
        events[6]["report"]["metrics"]["train_loss"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(events[6]["report"]["samples"].as_u64().unwrap() > 0);
    // Its checkpoint, removed once the trial was recorded.
    assert_eq!(events[7]["epoch"], 1);
    let checkpoint = std::path::PathBuf::from(events[7]["dir"].as_str().unwrap());
    assert!(checkpoint.ends_with("trial-checkpoints/trial-0001") && !checkpoint.exists());
    assert_eq!(events[8]["trial"]["index"], 1);
    assert_eq!(
        events[8]["trial"]["metrics"]["acc"].as_f64(),
        journal[1].metrics.get("acc").copied()
    );
    assert_eq!(journal[1].epochs, Some(1));
    // The diverging trial reported its NaN epoch (`null` in JSON), then failed.
    assert!(events[11]["report"]["metrics"]["train_loss"].is_null());
    assert_eq!(events[14]["trials"], 3);
    assert_eq!(events[14]["best"]["index"], 1);

    // A resumed run starts with what it replays and reports only its new trials.
    let more = ["estim.search.args.trials=3".to_string()];
    take("first");
    resume_search(dir.path(), &more, &mut |_| {}).unwrap();
    assert_eq!(take("first"), ["run_started", "run_ended"]);
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let restart: serde_json::Value = serde_json::from_str(log.lines().nth(15).unwrap()).unwrap();
    assert_eq!(restart["replayed"], 3);
}

#[test]
fn the_callers_subscriber_hears_every_event_after_the_configs_callbacks() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(&format!("{FAILING}{CALLBACKS}"), &[]).unwrap();
    take("first");
    let mine = Box::new(Recorder {
        label: "caller".into(),
    });
    let run = run_search_with(&cfg, dir.path(), RunMode::New, mine).unwrap();
    assert_eq!(run.outcome.trials, 3);
    let (first, caller) = {
        let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let of = |label: &str| -> Vec<(String, Option<usize>)> {
            (seen.iter().filter(|s| s.0 == label))
                .map(|s| (s.1.clone(), s.2))
                .collect()
        };
        (of("first"), of("caller"))
    };
    assert_eq!(caller, first, "the same events, in the same order");
    assert_eq!(caller.len(), 15, "{caller:?}");
    // Each event reaches the config's callback first, then the caller's.
    let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let labels: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert!(
        labels.chunks(2).all(|pair| pair == ["first", "caller"]),
        "{labels:?}"
    );
    drop(seen);
    take("first");
}

#[test]
fn a_supernet_search_reports_each_epoch_and_its_alphas() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("{DARTS_SEARCH}{CALLBACKS}").replace("label = \"first\"", "label = \"darts\"");
    let cfg = Config::from_toml(&text, &[]).unwrap();
    take("darts");
    run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!(
        take("darts"),
        [
            "run_started",
            "trial_finished:0",
            "supernet_epoch:0",
            "checkpoint_written",
            "trial_finished:1",
            "supernet_epoch:1",
            "checkpoint_written",
            "run_ended"
        ]
    );
    // The supernet's checkpoint event names its directory.
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let written: serde_json::Value = serde_json::from_str(log.lines().nth(3).unwrap()).unwrap();
    assert_eq!(written["epoch"], 1);
    assert!(written["trial"].is_null());
    assert!(written["dir"].as_str().unwrap().ends_with("checkpoint"));
}

#[test]
fn an_unknown_callback_is_refused_with_the_known_ones_before_the_run() {
    let _serial = serial();
    let text = format!("{FAILING}\n[[callbacks]]\ntype = \"EventLogg\"\n");
    let cfg = Config::from_toml(&text, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let err = run_search(&cfg, &out, RunMode::New, &mut |_| {})
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("callbacks[0]") && err.contains("EventLogg") && err.contains("EventLog,"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}
