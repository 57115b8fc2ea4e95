//! Helpers shared by the CLI tests.
#![allow(dead_code)] // each test binary uses a part

pub mod browser;
pub mod http;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `modnas` binary under test.
pub fn modnas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_modnas"))
}

/// Writes `config` to `dir/c.toml`; returns its path.
pub fn write_config(dir: &Path, config: &str) -> PathBuf {
    let path = dir.join("c.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Runs `modnas search -q -c cfg --out out`, which must succeed; returns its stdout.
pub fn search_ok(cfg: &Path, out: &Path) -> String {
    search_ok_with(cfg, out, &[])
}

/// [`search_ok`] with more arguments.
pub fn search_ok_with(cfg: &Path, out: &Path, extra: &[&str]) -> String {
    stdout_of_success(search_output(cfg, out, extra))
}

/// `modnas search -q -c cfg --out out extra…`, not started.
pub fn search_command(cfg: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut command = modnas();
    command
        .args(["search", "-q", "-c"])
        .arg(cfg)
        .arg("--out")
        .arg(out)
        .args(extra);
    command
}

/// Runs `modnas search -q -c cfg --out out extra…` and returns what it printed and its status.
pub fn search_output(cfg: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    search_command(cfg, out, extra).output().unwrap()
}

/// Runs `modnas search -q --resume dir extra…`, which must succeed; returns its stdout.
pub fn resume_ok(dir: &Path, extra: &[&str]) -> String {
    let run = modnas()
        .args(["search", "-q", "--resume"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    stdout_of_success(run)
}

/// The stdout of a command that must have succeeded (its stderr in the failure message).
fn stdout_of_success(run: std::process::Output) -> String {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}
