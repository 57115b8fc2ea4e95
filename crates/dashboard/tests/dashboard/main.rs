//! The dashboard's HTTP API on run directories written by hand: what it serves, what it
//! refuses, and a journal read while it is written.

mod api;
mod live;
mod sources;

use std::path::Path;

/// A random search's config, as a run directory holds it.
pub const CONFIG: &str = r#"
[data]
type = "Synthetic"
args = { n = 16, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["NC3", "NC5"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 6 }
"#;

/// The journal line of trial `index` with accuracy `acc` (`None`: a failed trial).
pub fn trial_line(index: usize, op: &str, acc: Option<f64>) -> String {
    let trial = match acc {
        Some(acc) => serde_json::json!({
            "index": index, "arch": { "convs.0": op }, "metrics": { "acc": acc, "params": 100 },
            "seconds": 0.5
        }),
        None => serde_json::json!({
            "index": index, "arch": { "convs.0": op }, "metrics": { "acc": null },
            "seconds": 0.1, "error": "loss became NaN"
        }),
    };
    format!("{trial}\n")
}

/// A run directory with `lines` as its journal.
pub fn run_dir(root: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    std::fs::write(dir.join("trials.jsonl"), lines.concat()).unwrap();
    dir
}
