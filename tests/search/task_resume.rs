//! Resuming a task's supernet searches from their checkpoints: a DARTS search and a CARS
//! search of the registered `MaskedRegression` task, killed after a checkpoint, resume to the
//! journal of an undisturbed run; a damaged checkpoint is refused by file.

use crate::common::serial;
use crate::user_task::TASK;
use modnas::estim::Trial;
use modnas::run::{read_journal, ALPHAS_FILE};
use modnas::{resume_search, run_search, Config, RunMode};
use std::path::Path;

/// Runs the task with `overrides` in a new directory; returns it and its journal.
fn undisturbed(overrides: &[&str]) -> (tempfile::TempDir, Vec<Trial>) {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let cfg = Config::from_toml(TASK, &o).unwrap();
    let dir = tempfile::tempdir().unwrap();
    run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    let journal = read_journal(dir.path()).unwrap();
    (dir, journal)
}

/// Keeps the first `n` lines of `file` in `dir`, as a kill after the `n`-th record leaves it.
fn keep_lines(dir: &Path, file: &str, n: usize) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(n).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
}

fn assert_same(a: &Trial, b: &Trial, keys: &[&str]) {
    assert_eq!(a.arch, b.arch);
    for key in keys {
        assert!(
            (a.metrics[*key] - b.metrics[*key]).abs() < 1e-9,
            "{key}: {:?} vs {:?}",
            a.metrics,
            b.metrics
        );
    }
}

#[test]
fn a_tasks_supernet_search_resumes_from_its_checkpoint_as_if_undisturbed() {
    let _serial = serial();
    let (dir, before) = undisturbed(&[
        "construct.args.mixed_op=\"DARTSMixedOp\"",
        "construct.args.candidates=[\"IDT\", \"RELU\", \"GELU\"]",
        "optim.type=\"DARTSOptim\"",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 6, objective = \"mse\", mode = \"min\" }",
    ]);
    assert_eq!(before.len(), 6);
    // Killed while writing the last epoch's checkpoint: the one before it is what is left,
    // and the journal holds five epochs.
    std::fs::remove_dir_all(dir.path().join("checkpoint")).unwrap();
    let state = std::fs::read_to_string(dir.path().join("checkpoint.prev/state.toml")).unwrap();
    assert!(state.contains("epochs_done = 5"), "{state}");
    keep_lines(dir.path(), "trials.jsonl", 5);
    keep_lines(dir.path(), ALPHAS_FILE, 5);
    let resumed = resume_search(dir.path(), &[], &mut |_| {}).unwrap();
    assert_eq!(resumed.outcome.trials, 6);
    let after = read_journal(dir.path()).unwrap();
    assert_eq!(
        after.len(),
        6,
        "the sixth epoch ran again and was recorded once"
    );
    assert_same(&before[5], &after[5], &["mse", "train_loss"]);
}

#[test]
fn a_tasks_cars_search_resumes_its_supernet_from_the_checkpoint() {
    let _serial = serial();
    let (dir, before) = undisturbed(&[
        "construct.args.mixed_op=\"IndexMixedOp\"",
        "optim.type=\"RegularizedEvolutionOptim\"",
        "optim.args={ population = 2, sample_size = 1 }",
        "estim.search.type=\"CARSEstim\"",
        "estim.search.args={ epochs = 3, trials = 4, round_trials = 2, round_epochs = 2, recal_batches = 1, objective = \"mse\", mode = \"min\" }",
    ]);
    // Warm-up 3 epochs, then 2 before trial 2: 5 in all; killed during the fifth epoch's
    // checkpoint, with two trials recorded.
    let state = std::fs::read_to_string(dir.path().join("checkpoint/state.toml")).unwrap();
    assert!(state.contains("epochs_done = 5"), "{state}");
    std::fs::remove_dir_all(dir.path().join("checkpoint")).unwrap();
    keep_lines(dir.path(), "trials.jsonl", 2);
    let resumed = resume_search(dir.path(), &[], &mut |_| {}).unwrap();
    assert_eq!(resumed.outcome.trials, 4);
    let after = read_journal(dir.path()).unwrap();
    assert_eq!(after.len(), 4);
    for (a, b) in before.iter().zip(&after) {
        assert_same(a, b, &["mse"]);
    }
    // The resume read the checkpoint: without its optimizer state it is refused by name.
    std::fs::remove_file(dir.path().join("checkpoint/weights.bpk")).unwrap();
    keep_lines(dir.path(), "trials.jsonl", 2);
    let err = resume_search(dir.path(), &[], &mut |_| {})
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("weights.bpk"), "{err}");
}
