//! `modnas dashboard` serving a search while it runs — through its API and in a real browser
//! (Debian's chromium driven by chromedriver, where they are installed) — and refusing what is
//! not a run.

use crate::common::browser::{start_dashboard, Browser, Killed};
use crate::common::http::get_json;
use crate::common::{modnas, search_command, write_config};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A random search slow enough to be watched: `trials` of the 9 architectures of a two-slot
/// ConvNet, each trained on `n` images.
fn search_config(n: usize, trials: usize) -> String {
    format!(
        r#"
[data]
type = "Synthetic"
args = {{ n = {n}, classes = 2, size = 8 }}
[model]
type = "ConvNet"
args = {{ channels = [8, 8], strides = [1, 1] }}
[construct.args]
candidates = ["NC3", "NC5", "NC7"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 4, trials = {trials} }}
"#
    )
}

/// A search started in `dir/run` and a dashboard serving it on a free port.
struct Watched {
    search: Child,
    _server: Killed,
    /// The dashboard's `host:port`.
    addr: String,
    start: Instant,
}

impl Watched {
    fn start(dir: &Path, config: &str) -> Self {
        let cfg = write_config(dir, config);
        let out = dir.join("run");
        let search = search_command(&cfg, &out, &[]).spawn().unwrap();
        let start = Instant::now();
        while !out.join("config.toml").exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no config written"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let (server, addr) = start_dashboard(&[&out]);
        assert!(addr.starts_with("127.0.0.1:"), "this machine only: {addr}");
        Self {
            search,
            _server: server,
            addr,
            start,
        }
    }

    /// Calls `observe` every 50 ms until the search ends, then checks it succeeded; returns
    /// the distinct values `observe` gave, in order.
    fn watch(&mut self, mut observe: impl FnMut() -> u64) -> Vec<u64> {
        let mut seen: Vec<u64> = vec![];
        loop {
            let finished = self.search.try_wait().unwrap();
            let value = observe();
            if seen.last() != Some(&value) {
                seen.push(value);
            }
            if let Some(exit) = finished {
                assert!(exit.success());
                return seen;
            }
            assert!(
                self.start.elapsed() < Duration::from_secs(180),
                "seen: {seen:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn the_dashboard_follows_a_running_search() {
    let tmp = tempfile::tempdir().unwrap();
    let mut run = Watched::start(tmp.path(), &search_config(512, 6));
    let addr = run.addr.clone();
    let counts = run.watch(|| {
        get_json(&addr, "/api/runs")[0]["status"]["done"]
            .as_u64()
            .unwrap()
    });
    assert!(
        counts.len() > 2,
        "the trial count grew while watched: {counts:?}"
    );
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    assert_eq!(counts.last(), Some(&6), "{counts:?}");
    let trials = get_json(&addr, "/api/runs/0/trials");
    assert_eq!(trials["trials"].as_array().unwrap().len(), 6);
    let status = get_json(&addr, "/api/runs/0/status");
    assert_eq!(status["space_size"], 9, "two slots of 3 candidates");
}

#[test]
fn in_chromium_the_trial_table_grows_while_the_search_runs() {
    let Some(browser) = Browser::start() else {
        eprintln!("skipped: Debian's chromium and chromium-driver are not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut run = Watched::start(tmp.path(), &search_config(2048, 8));
    browser.command(
        "POST",
        "url",
        Some(json!({ "url": format!("http://{}/", run.addr) })),
    );
    let rows = run.watch(|| browser.count("#trials tbody tr"));
    // The last event reaches the page up to half a second after the search ends.
    let start = Instant::now();
    while browser.count("#trials tbody tr") < 8 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(browser.count("#trials tbody tr"), 8, "rows seen: {rows:?}");
    assert!(
        rows.iter().filter(|&&n| n > 0 && n < 8).count() >= 2,
        "rows grew: {rows:?}"
    );
    // The run's lock file goes with the search: the page says it stopped.
    let start = Instant::now();
    while !browser.text().contains("stopped") && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = browser.text();
    assert!(text.contains("stopped"), "{text}");
    for expected in [
        "RandomSearchOptim",
        "SubNetEstim",
        "8 / 8",
        "8 of 8 trials",
        "convs.0=",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from the page:\n{text}"
        );
    }
    assert_eq!(
        browser.count("#curve canvas"),
        1,
        "the best-so-far chart is drawn"
    );
    assert!(
        text.contains("trials on the front"),
        "the Pareto front is marked:\n{text}"
    );
    browser.screenshot(None, "dashboard.png");
}

#[test]
fn a_directory_that_holds_no_run_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = modnas()
        .args(["dashboard", "--port", "0"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a run directory") && err.contains("config.toml"),
        "{err}"
    );
    let missing = format!("sqlite://{}", tmp.path().join("none.db").display());
    let out = modnas()
        .args(["dashboard", "--port", "0", "--storage", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("none.db") && err.contains("no such file"),
        "{err}"
    );
    let out = modnas().args(["dashboard"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "nothing to show");
}

#[test]
fn search_with_dashboard_serves_the_run_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), &search_config(512, 6));
    let out = tmp.path().join("run");
    let mut search = Killed(
        search_command(&cfg, &out, &["--dashboard", "0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = BufReader::new(search.0.stderr.take().unwrap());
    let url = stderr
        .lines()
        .map(|l| l.unwrap())
        .find_map(|l| l.strip_prefix("dashboard: ").map(str::to_string))
        .expect("the dashboard's URL on stderr");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let status = &get_json(&addr, "/api/runs")[0]["status"];
    assert_eq!(status["name"], "run");
    assert_eq!(
        status["running"], true,
        "served while the search runs: {status}"
    );
    assert!(search.0.wait().unwrap().success());
}

#[test]
fn the_dashboard_of_a_distributed_run_shows_its_workers() {
    use crate::distributed::{coordinator, training_config, wait_ok, worker, ARCHS};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let cfg = write_config(tmp.path(), &training_config("sqlite", "watched"));
    let search = coordinator(&cfg, &out, false);
    let storage = format!("sqlite://{}", out.join("trials.db").display());
    while !out.join("trials.db").exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_server, addr) = start_dashboard(&[&out]);
    let _workers: Vec<Killed> = ["w1", "w2"]
        .iter()
        .map(|name| Killed(worker(&storage, "watched", name, tmp.path())))
        .collect();
    // While the run goes on, the workers are seen holding trials.
    let start = Instant::now();
    let mut most_held = 0;
    let mut search = Some(search);
    while let Some(s) = search.as_mut() {
        let w = get_json(&addr, "/api/runs/0/workers");
        most_held = most_held.max(w["running"].as_u64().unwrap_or(0));
        if s.try_wait().unwrap().is_some() {
            wait_ok(search.take().unwrap(), Duration::from_secs(1));
        }
        assert!(start.elapsed() < Duration::from_secs(240), "{w}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(most_held >= 1, "held trials were seen");
    let w = get_json(&addr, "/api/runs/0/workers");
    assert_eq!(w["done"], ARCHS, "{w}");
    assert_eq!(w["finished"], true, "{w}");
    let names: Vec<&str> = w["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    let done: u64 = w["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["done"].as_u64().unwrap())
        .sum();
    assert_eq!((names, done), (vec!["w1", "w2"], ARCHS as u64), "{w}");
    let status = &get_json(&addr, "/api/runs/0/status");
    assert_eq!(
        (&status["distributed"], &status["done"]),
        (&true.into(), &ARCHS.into())
    );
}
