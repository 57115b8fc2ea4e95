//! The dashboard's views of a comparison directory, a supernet run and a trial storage's
//! workers, drawn in headless chromium from runs written here; the screenshots it saves are
//! the ones `docs/dashboard.md` shows.

use crate::common::browser::{start_dashboard, Browser};
use modnas_storage::{open_store, RunPolicy, TrialResult};
use serde_json::json;
use std::path::Path;

const SEARCH: &str = r#"
[data]
type = "Synthetic"
args = { n = 16, classes = 2, size = 8 }
[model]
type = "ConvNet"
args = { channels = [8, 8], strides = [1, 1] }
[construct.args]
candidates = ["NC3", "NC5", "NC7"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 8 }
"#;

const SUPERNET: &str = r#"
[data]
type = "Digits"
[model]
type = "DARTSNet"
args = { channels = 8, layers = 3, nodes = 1 }
[construct.args]
mixed_op = "DARTSMixedOp"
candidates = ["NIL", "SC3", "MAX"]
[optim]
type = "DARTSOptim"
[estim.search]
type = "SuperNetEstim"
args = { epochs = 6, cost_weight = 0.01 }
"#;

const OPS: [&str; 3] = ["NC3", "NC5", "NC7"];

/// A finished run in `dir`: `trials` lines whose accuracy depends on the ops and on `skill`.
fn search_run(dir: &Path, skill: f64, trials: usize) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config.toml"), SEARCH).unwrap();
    let lines: String = (0..trials)
        .map(|i| {
            let (a, b) = (i % 3, (i * 2 + 1) % 3);
            let acc = skill + 0.05 * a as f64 + 0.02 * b as f64 - 0.01 * (i % 2) as f64;
            let t = json!({ "index": i, "arch": { "convs.0": OPS[a], "convs.1": OPS[b] },
                "metrics": { "acc": acc, "params": 1000 + 100 * a }, "seconds": 1.5 });
            format!("{t}\n")
        })
        .collect();
    std::fs::write(dir.join("trials.jsonl"), lines).unwrap();
}

/// A comparison of 2 spaces × 2 optimizers, one seed each, all finished.
fn comparison(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("compare.toml"), "seeds = [0]").unwrap();
    let mut journal = String::new();
    for (s, space) in ["convnet", "wide"].iter().enumerate() {
        for (o, optim) in ["random", "evolution"].iter().enumerate() {
            let skill = 0.6 + 0.05 * s as f64 + 0.04 * o as f64;
            search_run(&dir.join(space).join(optim).join("seed-0"), skill, 12);
            let record = json!({ "space": space, "optim": optim, "seed": 0, "objective": "acc",
                "best": skill + 0.12, "baseline": 0.5, "wall_seconds": 600.0 + 300.0 * o as f64,
                "eval_seconds": 18.0, "trials": 12, "failed": 0 });
            journal.push_str(&format!("{record}\n"));
        }
    }
    std::fs::write(dir.join("compare.jsonl"), journal).unwrap();
}

/// A supernet run of 6 epochs: α of 2 cells × 2 edges × 3 candidates drifting towards one
/// candidate per edge, and the expected cost per epoch.
fn supernet(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config.toml"), SUPERNET).unwrap();
    let (mut alphas, mut trials) = (String::new(), String::new());
    let edges = ["normal.e0", "normal.e1", "reduce.e0", "reduce.e1"];
    let ops = ["NIL", "SC3", "MAX"];
    for epoch in 0..6 {
        let mut params = serde_json::Map::new();
        for (e, edge) in edges.iter().enumerate() {
            let logits: Vec<f64> = (0..3)
                .map(|k| {
                    if k == (e + 1) % 3 {
                        0.5 * epoch as f64
                    } else {
                        0.0
                    }
                })
                .collect();
            let total: f64 = logits.iter().map(|l| l.exp()).sum();
            let weights: serde_json::Map<String, serde_json::Value> = ops
                .iter()
                .zip(&logits)
                .map(|(op, l)| (op.to_string(), json!(l.exp() / total)))
                .collect();
            params.insert(edge.to_string(), weights.into());
        }
        alphas.push_str(&format!(
            "{}\n",
            json!({ "epoch": epoch, "params": params })
        ));
        let arch: serde_json::Map<String, serde_json::Value> = edges
            .iter()
            .enumerate()
            .map(|(e, edge)| (edge.to_string(), json!(ops[(e + 1) % 3])))
            .collect();
        let t = json!({ "index": epoch, "arch": arch, "seconds": 20.0, "metrics": {
            "acc": 0.3 + 0.1 * epoch as f64, "expected_cost": 0.2 - 0.02 * epoch as f64 } });
        trials.push_str(&format!("{t}\n"));
    }
    std::fs::write(dir.join("alphas.jsonl"), alphas).unwrap();
    std::fs::write(dir.join("trials.jsonl"), trials).unwrap();
}

/// A distributed run in the SQLite file `db`: 3 workers, 2 trials finished by `w1`, one held
/// by each of `w2` and `w3`, 2 waiting.
fn stored_run(db: &Path) -> String {
    let url = format!("sqlite://{}", db.display());
    let mut store = open_store(&url).unwrap();
    store
        .create_run("dist", SEARCH, RunPolicy::default())
        .unwrap();
    for i in 0..6 {
        let mut arch = modnas::param_space::ArchDesc::new();
        arch.insert("convs.0", OPS[i % 3]);
        arch.insert("convs.1", OPS[(i + 1) % 3]);
        store.submit("dist", i, &arch).unwrap();
    }
    for (i, acc) in [(0, 0.7), (1, 0.8)] {
        store.claim("dist", "w1").unwrap().unwrap();
        let result = TrialResult {
            metrics: [("acc".to_string(), acc)].into_iter().collect(),
            seconds: 3.0,
            ..TrialResult::default()
        };
        assert!(store.complete("dist", i, "w1", &result).unwrap());
    }
    store.claim("dist", "w2").unwrap().unwrap();
    store.claim("dist", "w3").unwrap().unwrap();
    url
}

/// Selects run `id` in the page's run chooser.
fn choose_run(browser: &Browser, id: usize) {
    browser.script(&format!(
        "const s = document.getElementById('trial-run'); s.value = '{id}'; \
         s.dispatchEvent(new Event('input'));"
    ));
}

#[test]
fn in_chromium_a_comparison_a_supernet_and_workers_are_drawn() {
    let Some(browser) = Browser::start() else {
        eprintln!("skipped: Debian's chromium and chromium-driver are not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (cmp, darts) = (tmp.path().join("cmp"), tmp.path().join("darts"));
    comparison(&cmp);
    supernet(&darts);
    let url = stored_run(&tmp.path().join("trials.db"));
    let cmp_arg = cmp.as_os_str();
    let args = [
        "--storage".as_ref(),
        url.as_ref(),
        darts.as_os_str(),
        cmp_arg,
    ];
    let (_server, addr) = start_dashboard::<&std::ffi::OsStr>(&args);
    let page = format!("http://{addr}/");
    browser.open(&page);

    // Run 0, the supernet: one heat-map per cell, a row per edge and candidate.
    assert_eq!(browser.wait_for(".alpha-map", 2), 2, "normal and reduce");
    assert_eq!(browser.count(".alpha-map tr[data-edge]"), 4 * 3);
    assert_eq!(
        browser.count(".alpha-map tr[data-edge='normal.e0'] td[style]"),
        3 * 6
    );
    assert_eq!(
        browser.count("#cost canvas"),
        1,
        "the expected cost is drawn"
    );
    browser.screenshot(Some("#alpha-panel"), "dashboard-alphas.png");

    // The comparison: every run found, and its efficiency table.
    let text = browser.text();
    for name in [
        "cmp/convnet/random/seed-0",
        "cmp/wide/evolution/seed-0",
        "dist",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert_eq!(browser.count(".efficiency tbody tr"), 2, "a row per space");
    assert_eq!(
        browser.count(".efficiency tbody td[style]"),
        4,
        "a coloured cell each"
    );
    assert!(text.contains("4 runs found, 4 finished"), "{text}");
    browser.screenshot(Some("#batch-panel"), "dashboard-compare.png");

    // A comparison's run: a strip plot per searched parameter, a group per value.
    choose_run(&browser, 2);
    assert_eq!(browser.wait_for("svg.strip", 2), 2);
    assert_eq!(browser.count("svg.strip g[data-value]"), 3 + 3);
    assert_eq!(browser.count("svg.strip circle"), 2 * 12, "a dot per trial");
    browser.screenshot(Some("#importance"), "dashboard-parameters.png");

    // The storage's run: its workers and what they hold.
    choose_run(&browser, 5);
    assert_eq!(browser.wait_for("#workers tbody tr", 3), 3);
    let text = browser.text();
    assert!(
        text.contains("2 waiting, 2 held, 2 done, 0 given up"),
        "{text}"
    );
    browser.screenshot(Some("#worker-panel"), "dashboard-workers.png");
}
