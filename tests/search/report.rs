//! `RunReport` and the best-so-far plot, read back from a run directory.

use modnas::{run::RunReport, run_search, viz::plot_progress, Config};

const CONFIG: &str = r#"
seed = 2
[data]
type = "Synthetic"
args = { n = 48, classes = 3, size = 6 }
[model]
type = "ConvNet"
args = { channels = [4, 8], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 6 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

#[test]
fn the_report_ranks_trials_and_tracks_the_best_so_far() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(
        &Config::from_toml(CONFIG, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        !dir.path().join("progress-acc.svg").exists(),
        "a search draws nothing by itself"
    );
    let drawn = modnas::draw_run(dir.path()).unwrap();
    assert!(
        drawn.contains(&dir.path().join("progress-acc.svg")),
        "{drawn:?}"
    );
    assert!(dir.path().join("progress-acc.svg").exists());
    // The best architecture, drawn as a chain of its slots.
    let best = run.outcome.best.clone().unwrap();
    let dot = std::fs::read_to_string(dir.path().join("arch-net.dot")).unwrap();
    let first = best.arch.get("convs.0").and_then(|v| v.as_str()).unwrap();
    assert!(
        dot.contains(&format!("label=\"convs.0\\n{first}\"")),
        "{dot}"
    );
    assert!(dir.path().join("arch-net.svg").exists());

    let report = RunReport::load(dir.path()).unwrap();
    assert_eq!(report.trials.len(), 6);
    assert_eq!(report.objective, ("acc".to_string(), true));
    let ranked = report.ranked();
    let accs: Vec<f64> = ranked.iter().map(|t| t.metrics["acc"]).collect();
    assert!(accs.windows(2).all(|w| w[0] >= w[1]), "{accs:?}");
    assert_eq!(
        ranked[0].metrics["acc"],
        run.outcome.best.unwrap().metrics["acc"]
    );

    let curve = report.best_so_far();
    assert_eq!(curve.len(), 6);
    assert!(curve
        .windows(2)
        .all(|w| w[1].2 >= w[0].2 && w[1].1 >= w[0].1));
    assert_eq!(curve[5].2, accs[0]);

    let text = report.render(3);
    assert!(text.contains("trials: 6, failed: 0"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains("convs.0=")).count(),
        3,
        "{text}"
    );

    std::fs::remove_file(dir.path().join("progress-acc.svg")).unwrap();
    let svg = plot_progress(dir.path()).unwrap();
    let body = std::fs::read_to_string(svg).unwrap();
    assert!(body.contains("<svg") && body.contains("best acc so far"));
}

#[test]
fn a_directory_without_a_run_is_an_input_error() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let err = RunReport::load(dir.path()).unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("config.toml"), "{err}");
}
