//! burn-train's `Learner` as the config path's trainer: `[trainer] type = "LearnerTrainer"`.

/// The blobs space of `registry.rs`, each trial trained by the Learner.
fn learner_config() -> String {
    format!(
        r#"seed = 2
{}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 4, trials = 2 }}
[trainer]
type = "LearnerTrainer"
args = {{ lr = 0.01, batch_size = 16 }}
"#,
        crate::registry::BLOBS_SPACE
    )
}

#[test]
fn the_learner_trains_every_trial_of_a_config_search() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("learner");
    let cfg = modnas::Config::from_toml(
        &learner_config(),
        &[format!(
            "trainer.args.records={:?}",
            records.display().to_string()
        )],
    )
    .unwrap();
    let run_dir = dir.path().join("run");
    let run = crate::common::new_run(&cfg, &run_dir).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (2, 0));
    let journal = modnas::run::read_journal(&run_dir).unwrap();
    for t in &journal {
        let loss = t.metrics["train_loss"];
        assert!(loss.is_finite() && loss > 0.0, "{:?}", t.metrics);
        assert!(t.metrics.contains_key("loss"), "{:?}", t.metrics);
    }
    let best = run.outcome.best.unwrap();
    assert!(
        best.metrics["acc"] > 0.9,
        "separable blobs: {:?}",
        best.metrics
    );
    // One directory of the Learner's own records per training.
    let mut trainings: Vec<String> = std::fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    trainings.sort();
    assert_eq!(trainings, ["training-0000", "training-0001"]);
}

#[test]
fn the_learner_trains_the_epochs_hyperband_chose() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let o: Vec<String> = [
        "optim.type=\"HyperbandOptim\"",
        "optim.args={ max_epochs = 3 }",
        "estim.search.args={ epochs = 3, trials = 4 }",
    ]
    .map(String::from)
    .to_vec();
    let cfg = modnas::Config::from_toml(&learner_config(), &o).unwrap();
    crate::common::new_run(&cfg, dir.path()).unwrap();
    let journal = modnas::run::read_journal(dir.path()).unwrap();
    // The first round's trials train 1 of 3 epochs in the Learner, recorded at that fidelity.
    let first: Vec<&modnas::estim::Trial> = journal.iter().filter(|t| t.pruned.is_some()).collect();
    assert!(!first.is_empty(), "{journal:?}");
    for t in first {
        assert_eq!(t.epochs, Some(1), "{t:?}");
        assert!(
            t.metrics.contains_key("acc"),
            "scored at its fidelity: {t:?}"
        );
    }
}

#[test]
fn the_learner_trains_the_augment_step() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        "estim.search.type=\"DefaultEstim\"".to_string(),
        "estim.search.args={ epochs = 4 }".to_string(),
    ];
    let cfg = modnas::Config::from_toml(&learner_config(), &overrides).unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 1);
    let best = run.outcome.best.unwrap();
    assert!(best.metrics["train_loss"].is_finite(), "{:?}", best.metrics);
    assert!(
        best.metrics["acc"] > 0.9,
        "separable blobs: {:?}",
        best.metrics
    );
}

#[test]
fn the_learners_arguments_are_checked_by_name() {
    let _serial = crate::common::serial();
    for (override_, key) in [
        ("trainer.args.lr=-1.0", "lr"),
        ("trainer.args.optimizer=\"lbfgs\"", "optimizer"),
        ("trainer.args.epochs=3", "epochs"),
    ] {
        let err = modnas::Config::from_toml(&learner_config(), &[override_.to_string()])
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("trainer.args") && err.contains(key),
            "{override_}: {err}"
        );
    }
}
