//! A real `modnas search` killed with SIGKILL mid-run and resumed: every trial is in the
//! journal exactly once, and the journal equals that of an uninterrupted run. While it runs, a
//! second writer of its directory is refused.

use crate::common::{modnas, resume_ok, search_command, search_ok, write_config};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
const TRIALS: usize = 60;

const CONFIG: &str = r#"
seed = 11
[data]
type = "Synthetic"
args = { n = 96, classes = 3, size = 6 }
[model]
type = "ConvNet"
args = { channels = [4, 8], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "RegularizedEvolutionOptim"
args = { population = 5, sample_size = 2 }
[estim.search]
type = "SubNetEstim"
# 60 trials of a space of 9 architectures: evaluating repeats again keeps the run long.
args = { epochs = 2, trials = 60, revisit = "evaluate" }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

/// The journal's trials without their wall times.
fn journal(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("trials.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let mut t: serde_json::Value = serde_json::from_str(l).unwrap();
            t["seconds"] = 0.into();
            t
        })
        .collect()
}

fn lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("trials.jsonl")).map_or(0, |t| t.lines().count())
}

/// Starts `modnas search -c cfg --out out extra…` and waits (up to 2 minutes) until its
/// journal holds `trials` trials; returns the running process.
fn search_until(cfg: &Path, out: &Path, extra: &[&str], trials: usize) -> std::process::Child {
    let child = search_command(cfg, out, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while lines(out) < trials && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child
}

#[test]
fn a_killed_search_resumes_without_losing_or_repeating_a_trial() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), CONFIG);

    let whole = tmp.path().join("whole");
    search_ok(&cfg, &whole);
    assert_eq!(lines(&whole), TRIALS);

    let killed = tmp.path().join("killed");
    let mut child = search_until(&cfg, &killed, &[], 3);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the search ended before the kill"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = lines(&killed);
    assert!(
        (3..TRIALS).contains(&before),
        "{before} trials before the kill"
    );

    resume_ok(&killed, &[]);
    let resumed = journal(&killed);
    let indices: Vec<u64> = resumed
        .iter()
        .map(|t| t["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, (0..TRIALS as u64).collect::<Vec<_>>());
    assert_eq!(resumed, journal(&whole));
    let best = |d: &Path| std::fs::read_to_string(d.join("best.toml")).unwrap();
    assert_eq!(best(&killed), best(&whole));
}

#[test]
fn resume_and_overwrite_misuse_exits_with_code_two() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(&cfg, CONFIG.replace("trials = 60", "trials = 1")).unwrap();
    let run = tmp.path().join("run");
    let search = |extra: &[&str]| {
        modnas()
            .args(["search", "-q", "-c"])
            .arg(&cfg)
            .arg("--out")
            .arg(&run)
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(search(&[]).status.success());
    let again = search(&[]);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8(again.stderr).unwrap();
    assert!(err.contains("already holds a run"), "{err}");
    assert!(search(&["--overwrite"]).status.success());
    // The overwritten run's log went with it: the log holds one run.
    let log = std::fs::read_to_string(run.join("modnas.log")).unwrap();
    assert_eq!(log.matches("search finished").count(), 1, "{log}");
    let other = modnas()
        .args(["search", "-q", "--resume"])
        .arg(&run)
        .args(["-o", "seed=1"])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8(other.stderr).unwrap();
    assert!(err.contains("`seed`: 11 → 1"), "{err}");
}

#[test]
fn a_running_search_refuses_a_second_writer_and_its_kill_frees_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), CONFIG);
    let busy = tmp.path().join("busy");
    let mut child = search_until(&cfg, &busy, &["-o", "estim.search.args.trials=1000000"], 1);
    let holder = format!("is in use by modnas process {}", child.id());
    let second_new = ["search", "-q", "-c", cfg.to_str().unwrap(), "--out"];
    for args in [&["search", "-q", "--resume"][..], &second_new[..]] {
        let out = modnas().args(args).arg(&busy).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&holder), "{args:?}: {err}");
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the holder ran throughout"
    );
    child.kill().unwrap(); // SIGKILL: the lock goes with the process
    child.wait().unwrap();
    let budget = format!("estim.search.args.trials={}", lines(&busy) + 1);
    resume_ok(&busy, &["-o", &budget]);
}

/// Three 6-epoch trials, each epoch long enough to be interrupted.
const LONG_TRIALS: &str = r#"
seed = 5
[data]
type = "Synthetic"
args = { n = 768, classes = 3, size = 8 }
[model]
type = "ConvNet"
args = { channels = [8, 8], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 6, trials = 3 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 32 }
[[callbacks]]
type = "EventLog"
"#;

/// The epochs a trial's checkpoint in `run` holds, if it has one.
fn checkpointed(run: &Path, trial: usize) -> Option<u64> {
    let state = run.join(format!(
        "trial-checkpoints/trial-{trial:04}/checkpoint/state.toml"
    ));
    let text = std::fs::read_to_string(state).ok()?;
    text.trim().strip_prefix("epochs_done = ")?.parse().ok()
}

#[test]
fn a_search_killed_inside_a_trial_resumes_it_at_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), LONG_TRIALS);
    let whole = tmp.path().join("whole");
    search_ok(&cfg, &whole);

    let killed = tmp.path().join("killed");
    let mut child = search_command(&cfg, &killed, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while checkpointed(&killed, 0).is_none_or(|e| e < 2) && t0.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL, in the middle of trial 0
    child.wait().unwrap();
    let done = checkpointed(&killed, 0).expect("trial 0 had a checkpoint when it was killed");
    assert!((2..6).contains(&done), "killed after {done} of 6 epochs");
    assert_eq!(lines(&killed), 0, "trial 0 was not recorded yet");

    resume_ok(&killed, &[]);
    assert_eq!(journal(&killed), journal(&whole));
    // The resumed process trained trial 0 from its checkpoint on.
    let events = std::fs::read_to_string(killed.join("events.jsonl")).unwrap();
    let second = events.split("\"event\":\"run_started\"").nth(2).unwrap();
    let first_epoch: serde_json::Value = second
        .lines()
        .filter(|l| l.contains("\"epoch_reported\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .next()
        .unwrap();
    assert_eq!(first_epoch["report"]["trial"], 0);
    assert_eq!(first_epoch["report"]["epoch"], done + 1);
    assert!(!killed.join("trial-checkpoints/trial-0000").exists());
}
