//! The bad-input corpus, `tests/bad_inputs/`: every `.toml` there is a malformed config,
//! pipeline or input (its data files are in `tests/bad_inputs/data/`). `modnas` must refuse
//! each with exit code 2 and one line that contains every `# error: <text>` of the file, print
//! nothing on stdout and write nothing. `# command: pipeline` runs the file as a pipeline
//! instead of a search.

use crate::common::{modnas, search_ok, write_config};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad_inputs")
}

/// What a corpus file expects: the message parts and the subcommand.
fn expectations(text: &str) -> (Vec<&str>, &str) {
    let parts = text
        .lines()
        .filter_map(|l| l.strip_prefix("# error: "))
        .collect();
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("# command: "))
        .unwrap_or("search");
    (parts, command)
}

/// Why `file` is not refused as it should be, if it is not.
fn check(file: &Path, scratch: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let (parts, command) = expectations(&text);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    if parts.is_empty() {
        return Some(format!("{name}: no `# error:` line"));
    }
    let out_dir = scratch.join(file.file_stem().unwrap());
    let out = modnas()
        .current_dir(corpus())
        .args([command, "-q", "-c"])
        .arg(&name)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    let problem = if out.status.code() != Some(2) {
        format!("exit status {:?}", out.status.code())
    } else if lines.len() != 1 || !lines[0].starts_with("error: ") {
        format!("{} lines of stderr", lines.len())
    } else if let Some(missing) = parts.iter().find(|p| !lines[0].contains(**p)) {
        format!("the message lacks `{missing}`")
    } else if !out.stdout.is_empty() {
        format!("it printed {}", String::from_utf8_lossy(&out.stdout).trim())
    } else if out_dir.exists() {
        "it wrote its output directory".to_string()
    } else {
        return None;
    };
    Some(format!("{name}: {problem}: {}", err.trim()))
}

#[test]
fn every_bad_input_is_refused_with_one_line_and_exit_code_two() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus holds {} files", files.len());
    let scratch = tempfile::tempdir().unwrap();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check(f, scratch.path()))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const SUPERNET: &str = r#"
[data]
type = "Synthetic"
args = { n = 32, classes = 2, size = 6 }
[model]
type = "DARTSNet"
args = { channels = 4, layers = 3, nodes = 2 }
[construct.args]
mixed_op = "DARTSMixedOp"
candidates = ["MAX", "IDT", "SC3"]
[optim]
type = "DARTSOptim"
[estim.search]
type = "SuperNetEstim"
args = { epochs = 2, batch_size = 16 }
"#;

#[test]
fn a_truncated_checkpoint_is_refused_on_resume_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    search_ok(&write_config(dir.path(), SUPERNET), &run);
    let model = run.join("checkpoint/model.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    let journal = run.join("trials.jsonl");
    let before = std::fs::read_to_string(&journal).unwrap();

    let out = modnas()
        .args(["search", "-q", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot resume from checkpoint") && err.contains("model.bpk"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), before);
}
