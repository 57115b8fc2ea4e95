//! The `modnas` binary: exit codes, one-line errors, a search run and `list`.

use crate::common::{modnas, search_ok, search_output, write_config};

const CONFIG: &str = r#"
[data]
type = "Synthetic"
args = { n = 24, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [2], strides = [1] }
[construct.args]
candidates = ["NC3", "IDT"]
[estim.search]
args = { epochs = 1, trials = 2 }
"#;

#[test]
fn bad_input_exits_with_code_two_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let out = modnas()
        .current_dir(dir.path())
        .args(["search", "-q", "-c"])
        .arg(&cfg)
        .args(["-o", "optim.type=Nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unknown optimizer `Nope`"), "{err}");
    assert!(
        !dir.path().join("runs").exists(),
        "a refused run writes nothing"
    );
    let missing = modnas()
        .args(["search", "-c", "/no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn search_writes_the_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), CONFIG);
    let run = dir.path().join("run");
    let stdout = search_ok(&cfg, &run);
    assert!(stdout.contains("best arch: convs.0="), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(run.join("trials.jsonl"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    assert!(run.join("best.toml").exists());

    let report = modnas().arg("report").arg(&run).output().unwrap();
    assert!(report.status.success());
    let text = String::from_utf8(report.stdout).unwrap();
    assert!(
        text.contains("trials: 2, failed: 0") && text.contains("plot: "),
        "{text}"
    );
    let missing = modnas().args(["report", "/no/such/run"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// Runs a search whose progress plot `block` makes unwritable, and checks that the run
/// succeeds with a warning, keeps its results, and that `report` then fails with exit 1 (the
/// environment's fault), not 2 (the input's).
fn a_drawing_failure_keeps_the_run(block: impl Fn(&std::path::Path)) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), CONFIG);
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    block(&run.join("progress-acc.svg"));
    let out = search_output(&cfg, &run, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("the run is recorded, but its drawings are not"),
        "{err}"
    );
    assert!(err.contains("progress-acc.svg"), "{err}");
    assert!(run.join("best.toml").exists());
    let journal = std::fs::read_to_string(run.join("trials.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 2, "{journal}");
    let report = modnas().arg("report").arg(&run).output().unwrap();
    assert_eq!(
        report.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
}

#[test]
fn a_drawing_that_cannot_be_written_does_not_fail_a_finished_search() {
    // A directory where the progress plot goes: the image cannot be created.
    a_drawing_failure_keeps_the_run(|plot| std::fs::create_dir_all(plot).unwrap());
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_while_drawing_does_not_fail_a_finished_search() {
    // Linux's /dev/full accepts an open and fails every write with ENOSPC, exactly as a full
    // file system does.
    a_drawing_failure_keeps_the_run(|plot| std::os::unix::fs::symlink("/dev/full", plot).unwrap());
}

#[test]
fn list_names_every_kind() {
    let out = modnas().arg("list").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "candidates:",
        "NC3",
        "MB7E6",
        "optimizers:",
        "RandomSearchOptim",
        "estimators:",
        "SubNetEstim",
        "metrics:",
        "FlopsMetric",
        "LUTLatencyMetric",
        "criteria: AddMetricCriterion, CrossEntropyCriterion",
        "HPTuneEstim",
        "models: ConvNet",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    let out = modnas().args(["list", "--detail"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "  DARTSOptim: DARTS (Liu et al. 2019)",
        "      order: integer (optional)  1 (default): first-order approximation",
        "  HierarchicalNet: the hierarchical space of Liu et al. 2018",
        "      motifs: integer = 6  Level-2 motifs (at most 8).",
        "  (every data type also takes `valid_ratio`, default 0.2",
        "`test_ratio`, default 0: a share held out as a test part)",
        "  LearnerTrainer: each trial trained by burn-train's supervised Learner",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}

#[test]
fn plot_alphas_draws_a_supernet_run_and_rejects_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("darts.toml");
    let supernet = CONFIG
        .replace("type = \"ConvNet\"", "type = \"ConvNet\"\n")
        .replace(
            "candidates = [\"NC3\", \"IDT\"]",
            "candidates = [\"NC3\", \"IDT\"]\nmixed_op = \"DARTSMixedOp\"",
        )
        .replace(
            "args = { epochs = 1, trials = 2 }",
            "type = \"SuperNetEstim\"\nargs = { epochs = 2, batch_size = 8 }",
        )
        + "[optim]\ntype = \"DARTSOptim\"\n";
    std::fs::write(&cfg, supernet).unwrap();
    let run = dir.path().join("run");
    search_ok(&cfg, &run);
    let out = modnas()
        .arg("plot-alphas")
        .arg(&run)
        .args(["--param", "convs.0"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run.join("alphas-convs.0.svg").exists());
    let out = modnas()
        .args(["plot-alphas", "/no/such/run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn without_a_terminal_progress_is_plain_lines_and_the_log_goes_to_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let run = dir.path().join("run");
    let out = modnas()
        .args(["search", "-c"])
        .arg(&cfg)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("trials ")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[1].contains("trials 2/2: acc") && lines[1].contains("best acc"),
        "{err}"
    );
    let log = std::fs::read_to_string(run.join("modnas.log")).unwrap();
    assert!(
        log.contains("trial evaluated") && log.contains("search finished"),
        "{log}"
    );
}

#[test]
fn a_budget_that_ends_before_any_full_training_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let run = dir.path().join("run");
    // Hyperband's first round trains both architectures for 1 of 3 epochs: the budget of 2
    // trials ends there.
    let out = modnas()
        .args(["search", "-q", "-c"])
        .arg(&cfg)
        .arg("--out")
        .arg(&run)
        .args([
            "-o",
            "optim.type=\"HyperbandOptim\"",
            "-o",
            "optim.args.max_epochs=3",
        ])
        .args(["-o", "estim.search.args.epochs=3"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    let log = std::fs::read_to_string(run.join("modnas.log")).unwrap();
    assert!(log.contains("no trial trained to the end"), "{log}");
    assert!(log.contains("trial pruned"), "{log}");
}

#[test]
fn batch_progress_prints_plain_lines_at_the_chosen_interval() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, CONFIG.replace("epochs = 1", "epochs = 2")).unwrap();
    let out = modnas()
        .env("MODNAS_PROGRESS_SECS", "0")
        .args(["search", "-c"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("run"))
        .args(["-o", "trainer.args.batch_size=8"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    // 24 samples, 20% held out: 20 training samples in 3 batches of 8, 2 epochs, 2 trials.
    let batches = err.lines().filter(|l| l.contains("batch ")).count();
    assert_eq!(batches, 2 * 2 * 3, "{err}");
    assert!(err.contains("epoch 2/2 batch 3/3"), "{err}");
    // The trainer's line at each epoch's end, and the epoch each trial reported (an event
    // of the run, which the progress subscribes to).
    let trainer = err.lines().filter(|l| l.contains("/2 train loss")).count();
    assert_eq!(trainer, 2 * 2, "{err}");
    for (trial, epoch) in [(0, 1), (0, 2), (1, 1), (1, 2)] {
        let line = format!("trial {trial} epoch {epoch} train loss");
        assert_eq!(err.matches(&line).count(), 1, "{line}: {err}");
    }
}

#[test]
fn pipeline_runs_its_processes_and_refuses_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.toml"), CONFIG).unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "[process.a]\nconfig = \"c.toml\"\n[process.b]\nconfig = \"c.toml\"\ndepends = [\"a\"]\noverrides = [\"seed = 3\"]\n",
    )
    .unwrap();
    let out = modnas()
        .current_dir(dir.path())
        .args(["pipeline", "-q", "--out", "pl", "-c"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("pipeline directory: pl"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with('b') && l.contains("acc=")),
        "{stdout}"
    );
    assert!(dir.path().join("pl/b/best.toml").exists());

    std::fs::write(
        &file,
        "[process.a]\nconfig = \"c.toml\"\ndepends = [\"b\"]\n[process.b]\nconfig = \"c.toml\"\ndepends = [\"a\"]\n",
    )
    .unwrap();
    let out = modnas()
        .current_dir(dir.path())
        .args(["pipeline", "--out", "cyclic", "-c"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cycle among [a, b]"), "{err}");
    assert!(!dir.path().join("cyclic").exists());
}

#[test]
fn export_writes_a_trained_run_as_onnx_and_refuses_a_run_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let search = dir.path().join("search");
    search_ok(&write_config(dir.path(), CONFIG), &search);
    let best = search.join("best.toml");
    let train = CONFIG.replace(
        "args = { epochs = 1, trials = 2 }",
        &format!(
            "type = \"DefaultEstim\"\nargs = {{ epochs = 1, arch = {:?} }}",
            best.display().to_string()
        ),
    );
    let cfg = dir.path().join("train.toml");
    std::fs::write(&cfg, train).unwrap();
    let run = dir.path().join("train");
    search_ok(&cfg, &run);

    let out = modnas().arg("export").arg(&run).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ONNX nodes (opset 17)"), "{stdout}");
    assert!(run.join("model.onnx").exists());

    let refused = modnas().arg("export").arg(&search).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("holds no trained model"), "{err}");
    assert!(
        !search.join("model.onnx").exists(),
        "a refused export writes nothing"
    );
}
