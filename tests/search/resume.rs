//! Resuming interrupted runs from their journal: nothing lost, nothing evaluated twice, the same
//! result as an uninterrupted run; and every way a run directory can be refused.

use crate::common::{serial, DARTS_SEARCH};
use modnas::{resume_search, run::read_journal, run_search, Config, RunMode};
use std::path::Path;

const BASE: &str = r#"
seed = 5
[data]
type = "Synthetic"
args = { n = 48, classes = 3, size = 6 }
[model]
type = "ConvNet"
args = { channels = [4, 8, 8], strides = [1, 2, 1] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "RegularizedEvolutionOptim"
args = { population = 4, sample_size = 2 }
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 7 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

fn cfg(overrides: &[&str]) -> Config {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Config::from_toml(BASE, &o).unwrap()
}

use crate::common::journal_without_seconds as journal;

#[test]
fn an_interrupted_search_resumes_to_the_uninterrupted_result() {
    let _serial = serial();
    let whole = tempfile::tempdir().unwrap();
    let full = crate::common::new_run(&cfg(&[]), whole.path()).unwrap();

    let part = tempfile::tempdir().unwrap();
    crate::common::new_run(&cfg(&["estim.search.args.trials=3"]), part.path()).unwrap();
    assert_eq!(read_journal(part.path()).unwrap().len(), 3);
    // A crash while writing trial 3 leaves half a line; it is dropped and trial 3 runs again.
    let path = part.path().join("trials.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"index\":3,\"arch\":{\"convs.0\":\"NC");
    std::fs::write(&path, text).unwrap();

    let mut evaluated = vec![];
    let resumed = resume_search(
        part.path(),
        &["estim.search.args.trials=7".into()],
        &mut |t| evaluated.push(t.index),
    )
    .unwrap();
    assert_eq!(evaluated, vec![3, 4, 5, 6], "only the missing trials run");
    assert_eq!(resumed.outcome.trials, 7);
    assert_eq!(journal(part.path()), journal(whole.path()));
    let (a, b) = (resumed.outcome.best.unwrap(), full.outcome.best.unwrap());
    assert_eq!((a.index, a.arch, a.metrics), (b.index, b.arch, b.metrics));
    assert_eq!(
        std::fs::read_to_string(part.path().join("best.toml")).unwrap(),
        std::fs::read_to_string(whole.path().join("best.toml")).unwrap()
    );

    // Resuming a finished run evaluates nothing.
    let mut again = 0;
    resume_search(part.path(), &[], &mut |_| again += 1).unwrap();
    assert_eq!(again, 0);
    assert_eq!(read_journal(part.path()).unwrap().len(), 7);
}

fn refusal(result: Result<modnas::SearchRun, modnas::ModnasError>) -> String {
    let err = result.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    err.to_string()
}

#[test]
fn a_run_directory_is_never_mixed_with_another_run() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let small = cfg(&["estim.search.args.trials=2"]);
    crate::common::new_run(&small, dir.path()).unwrap();
    let msg = refusal(crate::common::new_run(&small, dir.path()));
    assert!(
        msg.contains("already holds a run") && msg.contains("--resume"),
        "{msg}"
    );

    // Another config: the changed keys are named, and the journal is untouched.
    let other = cfg(&[
        "estim.search.args.trials=2",
        "seed=6",
        "trainer.args.lr=0.1",
    ]);
    let msg = refusal(run_search(&other, dir.path(), RunMode::Resume, &mut |_| {}));
    assert!(
        msg.contains("`seed`: 5 → 6") && msg.contains("`trainer.args.lr`"),
        "{msg}"
    );
    assert_eq!(read_journal(dir.path()).unwrap().len(), 2);

    // Overwrite starts over.
    let mut n = 0;
    run_search(&small, dir.path(), RunMode::Overwrite, &mut |_| n += 1).unwrap();
    assert_eq!((n, read_journal(dir.path()).unwrap().len()), (2, 2));
}

#[test]
fn damaged_or_foreign_run_directories_are_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let small = cfg(&["estim.search.args.trials=2"]);
    let resume = |c: &Config| run_search(c, dir.path(), RunMode::Resume, &mut |_| {});

    let msg = refusal(resume(&small));
    assert!(msg.contains("not a modnas run directory"), "{msg}");

    crate::common::new_run(&small, dir.path()).unwrap();
    let journal = dir.path().join("trials.jsonl");
    let good = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, format!("{{oops\n{good}")).unwrap();
    let msg = refusal(resume(&small));
    assert!(msg.contains("trials.jsonl` line 1: corrupted"), "{msg}");

    std::fs::write(&journal, &good).unwrap();
    let meta = dir.path().join("run.toml");
    std::fs::write(&meta, "modnas_version = \"0.0.1\"\nformat = 1\n").unwrap();
    let msg = refusal(resume(&small));
    assert!(msg.contains("written by modnas 0.0.1"), "{msg}");
}

#[test]
fn a_journal_from_another_search_is_caught_at_the_first_differing_proposal() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    crate::common::new_run(&cfg(&["estim.search.args.trials=3"]), dir.path()).unwrap();
    // Swap the recorded architectures of two trials: the optimizer will not propose them.
    let path = dir.path().join("trials.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut trials = read_journal(dir.path()).unwrap();
    let archs: Vec<_> = trials.iter().map(|t| t.arch.clone()).collect();
    if let Some(j) = (1..archs.len()).find(|j| archs[*j] != archs[0]) {
        trials[0].arch = archs[j].clone();
        let lines: Vec<String> = trials
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let msg = refusal(resume_search(dir.path(), &[], &mut |_| {}));
        assert!(msg.contains("trial 0 of the journal"), "{msg}");
    } else {
        assert_eq!(text.lines().count(), 3, "three identical proposals");
    }
}

fn one_shot(estim: &str) -> Config {
    cfg(&[
        &format!("estim.search.type=\"{estim}\""),
        "estim.search.args={ epochs = 2, batch_size = 16, trials = 5, round_trials = 2, recal_batches = 1 }",
        "construct.args.mixed_op=\"IndexMixedOp\"",
        "optim.type=\"RegularizedEvolutionOptim\"",
    ])
}

#[test]
fn an_spos_search_resumes_from_its_trained_supernet() {
    let _serial = serial();
    let c = one_shot("SPOSEstim");
    let whole = tempfile::tempdir().unwrap();
    crate::common::new_run(&c, whole.path()).unwrap();
    let part = tempfile::tempdir().unwrap();
    let crash = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_search(&c, part.path(), modnas::RunMode::New, &mut |t| {
            if t.index == 2 {
                panic!("killed");
            }
        })
    }));
    assert!(crash.is_err());
    assert_eq!(read_journal(part.path()).unwrap().len(), 3);
    let mut evaluated = vec![];
    resume_search(part.path(), &[], &mut |t| evaluated.push(t.index)).unwrap();
    assert_eq!(evaluated, vec![3, 4]);
    assert_eq!(journal(part.path()), journal(whole.path()));
}

#[test]
fn a_cars_search_resumes_mid_round_and_at_a_round_boundary() {
    let _serial = serial();
    let c = one_shot("CARSEstim");
    let whole = tempfile::tempdir().unwrap();
    crate::common::new_run(&c, whole.path()).unwrap();
    // Rounds of 2 trials: trial 2 comes right after the first round's supernet epoch, trial
    // 3 in the middle of the second round.
    for killed_at in [2, 3] {
        let part = tempfile::tempdir().unwrap();
        let crash = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_search(&c, part.path(), modnas::RunMode::New, &mut |t| {
                if t.index == killed_at {
                    panic!("killed");
                }
            })
        }));
        assert!(crash.is_err());
        let mut evaluated = vec![];
        resume_search(part.path(), &[], &mut |t| evaluated.push(t.index)).unwrap();
        assert_eq!(evaluated, (killed_at + 1..5).collect::<Vec<_>>());
        assert_eq!(
            journal(part.path()),
            journal(whole.path()),
            "killed at {killed_at}"
        );
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn a_supernet_search_resumes_from_its_checkpoint_to_the_uninterrupted_result() {
    let _serial = serial();
    for (op, optim) in [
        ("DARTSMixedOp", "DARTSOptim"),
        ("GumbelMaxMixedOp", "GDASOptim"),
        ("BinaryGateMixedOp", "BinaryGateOptim"),
    ] {
        let overrides = [
            format!("construct.args.mixed_op=\"{op}\""),
            format!("optim.type=\"{optim}\""),
            "estim.search.args.epochs=3".to_string(),
        ];
        let c = Config::from_toml(DARTS_SEARCH, &overrides).unwrap();
        let whole = tempfile::tempdir().unwrap();
        crate::common::new_run(&c, whole.path()).unwrap();
        assert!(whole.path().join("checkpoint/model.bpk").exists());

        // Killed right after recording epoch 1: the journal holds epochs 0 and 1, the newest
        // checkpoint is from after epoch 0, and `alphas.jsonl` has epoch 0 only.
        let part = tempfile::tempdir().unwrap();
        let crash = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_search(&c, part.path(), modnas::RunMode::New, &mut |t| {
                if t.index == 1 {
                    panic!("killed");
                }
            })
        }));
        assert!(crash.is_err());
        assert_eq!(read_journal(part.path()).unwrap().len(), 2);
        assert_eq!(read(part.path(), "alphas.jsonl").lines().count(), 1);

        // The resume starts from the checkpoint: a damaged one is reported, not skipped.
        let model = part.path().join("checkpoint/model.bpk");
        let good = std::fs::read(&model).unwrap();
        std::fs::write(&model, &good[..good.len() / 2]).unwrap();
        let err = resume_search(part.path(), &[], &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("checkpoint") && err.contains("model.bpk"),
            "{err}"
        );
        std::fs::write(&model, good).unwrap();

        let mut recorded = vec![];
        resume_search(part.path(), &[], &mut |t| recorded.push(t.index)).unwrap();
        assert_eq!(
            recorded,
            vec![2],
            "{optim}: epoch 1 is recomputed, not recorded again"
        );
        assert_eq!(journal(part.path()), journal(whole.path()), "{optim}");
        assert_eq!(
            read(part.path(), "alphas.jsonl"),
            read(whole.path(), "alphas.jsonl"),
            "{optim}"
        );
        assert_eq!(
            read(part.path(), "best.toml"),
            read(whole.path(), "best.toml")
        );
    }
}
