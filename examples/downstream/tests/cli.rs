//! This crate's binary is the whole modnas command line with this crate's components: they are
//! listed, searched by every kind of optimizer, resumed, reported and evaluated by workers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_modnas-downstream"))
}

fn config(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs")
        .join(name)
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary starts");
    assert!(
        out.status.success(),
        "{:?} failed ({}):\n{}\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn search(config_file: &str, dir: &Path, extra: &[&str]) -> Output {
    run(bin()
        .args(["search", "-q", "-c"])
        .arg(config(config_file))
        .arg("--out")
        .arg(dir)
        .args(extra))
}

fn trials(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("trials.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn list_shows_this_crates_components_beside_the_built_in_ones() {
    let out = run(bin().args(["list", "--detail"]));
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "TinyResNet",
        "SEConv",
        "SEBlocksMetric",
        "CoordinateOptim",
        "NC3",
        "DARTSOptim",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("squeeze-and-excitation gate"), "{text}");
}

#[test]
fn random_evolution_and_own_optimizer_search_the_own_model() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, runs) in [
        ("random.toml", 4),
        ("evolution.toml", 4),
        ("coordinate.toml", 4),
    ] {
        let dir = tmp.path().join(file);
        let out = search(file, &dir, &["-o", "estim.search.args.trials=4"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("best arch:"), "{file}: {text}");
        let trials = trials(&dir);
        assert!(
            !trials.is_empty() && trials.len() <= runs,
            "{file}: {} trials",
            trials.len()
        );
        for t in &trials {
            let se = t["metrics"]["se_blocks"]
                .as_f64()
                .expect("se_blocks recorded");
            let chosen = t["arch"]
                .as_object()
                .unwrap()
                .values()
                .filter(|v| *v == "SEConv")
                .count();
            assert_eq!(se, chosen as f64, "{t}");
        }
        assert!(dir.join("best.toml").exists() && dir.join("modnas.log").exists());
    }
    // Coordinate descent starts from the default architecture: the first candidate everywhere.
    let first = &trials(&tmp.path().join("coordinate.toml"))[0]["arch"];
    assert!(
        first.as_object().unwrap().values().all(|v| v == "SEConv"),
        "{first}"
    );
}

#[test]
fn darts_searches_the_own_model_as_a_supernet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("darts");
    search("darts.toml", &dir, &[]);
    let best = std::fs::read_to_string(dir.join("best.toml")).unwrap();
    for slot in ["blocks.0", "blocks.1", "down"] {
        assert!(best.contains(slot), "{best}");
    }
    assert!(dir.join("alphas.jsonl").exists());
}

#[test]
fn a_killed_search_resumes_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut child = bin()
        .args(["search", "-q", "-c"])
        .arg(config("random.toml"))
        .arg("--out")
        .arg(&dir)
        .args(["-o", "estim.search.args.trials=40"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    while trials(&dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no trial recorded"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the search ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = trials(&dir).len();
    let target = (done + 2).to_string();
    let budget = format!("estim.search.args.trials={target}");
    let resume = bin()
        .args(["search", "-q", "--resume"])
        .arg(&dir)
        .args(["-o", &budget])
        .output()
        .unwrap();
    assert!(
        resume.status.success(),
        "{}",
        String::from_utf8_lossy(&resume.stderr)
    );
    let after = trials(&dir);
    assert_eq!(after.len(), done + 2);
    let indices: Vec<u64> = after.iter().map(|t| t["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, (0..(done + 2) as u64).collect::<Vec<_>>());
    let report = run(bin().arg("report").arg(&dir));
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains(&format!("trials: {target},")), "{text}");
}

#[test]
fn local_workers_run_this_binary_with_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("workers");
    search("random.toml", &dir, &["--workers", "2"]);
    let trials = trials(&dir);
    assert_eq!(trials.len(), 4);
    assert!(trials.iter().all(|t| t["metrics"]["se_blocks"].is_number()));
    assert!(dir.join(modnas::distributed::STORAGE_FILE).exists());
}

#[test]
fn a_misspelt_model_is_an_input_error_listing_this_crates_models() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["search", "-q", "-c"])
        .arg(config("random.toml"))
        .arg("--out")
        .arg(tmp.path().join("x"))
        .args(["-o", "model.type=\"TinyResNt\""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TinyResNt") && err.contains("TinyResNet"),
        "{err}"
    );
}

#[test]
fn the_crates_own_task_is_listed_with_its_keys() {
    let out = run(bin().args(["list", "--detail"]));
    let text = String::from_utf8_lossy(&out.stdout);
    let at = text.find("WaveformTask").expect("the task is listed");
    let entry = &text[at..(at + 600).min(text.len())];
    assert!(entry.contains("waves") && entry.contains("dim"), "{entry}");
}

#[test]
fn the_crates_own_task_is_searched_by_random_search_and_darts_from_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let random = tmp.path().join("random");
    search("waveform.toml", &random, &[]);
    let t = trials(&random);
    assert_eq!(t.len(), 4);
    let best = t
        .iter()
        .map(|t| t["metrics"]["acc"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(best > 0.8, "three shapes: chance is 0.33, best {best}");
    let darts = tmp.path().join("darts");
    search("waveform_darts.toml", &darts, &[]);
    let epochs = trials(&darts);
    assert_eq!(epochs.len(), 20, "one trial per epoch");
    let last = epochs[19]["metrics"]["acc"].as_f64().unwrap();
    assert!(
        last > 0.8,
        "the supernet's accuracy after 20 epochs: {last}"
    );
    let alphas = std::fs::read_to_string(darts.join("alphas.jsonl")).unwrap();
    assert_eq!(alphas.lines().count(), 20);
}

#[test]
fn this_crates_callback_receives_every_event_of_a_search_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    search(
        "random.toml",
        &dir,
        &[
            "-o",
            "estim.search.args.trials=3",
            "-o",
            "callbacks=[{ type = \"ProgressLines\" }]",
        ],
    );
    let lines = std::fs::read_to_string(dir.join("progress.txt")).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 17, "{lines:?}");
    assert_eq!(lines[0], "run_started");
    for i in 0..3 {
        let expected = [
            format!("trial {i} proposed: "),
            format!("trial {i} started"),
            format!("trial {i} epoch 1: train_loss="),
            "checkpoint_written".to_string(),
            format!("trial {i} finished: acc="),
        ];
        for (k, start) in expected.iter().enumerate() {
            assert!(lines[1 + 5 * i + k].starts_with(start), "{lines:?}");
        }
    }
    assert_eq!(lines[16], "run_ended after 3 trials");
}
