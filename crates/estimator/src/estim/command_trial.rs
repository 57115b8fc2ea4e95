//! A trial run as an external command (`HPTuneEstim` with `command`): the trial's values go
//! into the arguments (`{name}` placeholders) and the environment (`MODNAS_PARAMS`, a JSON
//! object), and the last non-empty line the command prints is a JSON object of metrics.
//!
//! A command that exits with an error, prints no metrics or runs past the timeout fails its
//! trial only; a command that cannot be started at all is a configuration error.

use crate::EstimError;
use modnas_param_space::{ArchDesc, MetricMap, ParamValue};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Placeholders every command may use besides the parameter names.
pub const COMMAND_PLACEHOLDERS: [&str; 2] = ["trial", "dir"];

/// The `{name}` placeholders of `text` with their byte ranges (braces included), in order:
/// braces around a name of letters, digits, `_`, `.` and `-`, not preceded by `$` (so JSON in
/// a command and the shell's `${VAR}` are left alone).
fn placeholder_spans(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    let mut found = Vec::new();
    for (open, _) in text.match_indices('{') {
        if text[..open].ends_with('$') {
            continue;
        }
        let rest = &text[open + 1..];
        if let Some(len) = rest.find('}') {
            let name = &rest[..len];
            if !name.is_empty() && name.chars().all(name_char) {
                found.push((open..open + len + 2, name));
            }
        }
    }
    found
}

/// The `{name}` placeholders of `text`, in order (see [`fill_placeholders`]).
pub fn placeholders(text: &str) -> Vec<&str> {
    placeholder_spans(text)
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

/// `text` with every placeholder `{name}` that `value` knows replaced, in one pass (a value
/// is not scanned again); the others are left as written. Placeholders are braces around a
/// name of letters, digits, `_`, `.` and `-`, not preceded by `$`.
pub fn fill_placeholders(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (span, name) in placeholder_spans(text) {
        if let Some(v) = value(name) {
            out.push_str(&text[copied..span.start]);
            out.push_str(&v);
            copied = span.end;
        }
    }
    out + &text[copied..]
}

/// A value as it appears in an argument: strings bare, numbers as TOML writes them.
fn plain(value: &ParamValue) -> String {
    match value {
        ParamValue::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `argv` with every placeholder replaced by the trial's value.
fn substitute(argv: &[String], arch: &ArchDesc, index: usize, dir: &str) -> Vec<String> {
    let value = |name: &str| match name {
        "trial" => Some(index.to_string()),
        "dir" => Some(dir.to_string()),
        _ => arch.get(name).map(plain),
    };
    argv.iter()
        .map(|arg| fill_placeholders(arg, value))
        .collect()
}

/// Reads a pipe to its end on a thread, so a chatty command never blocks on a full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            // A read error only truncates the log; the exit status decides the trial.
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Kills the command and everything it started (it leads its own process group), so a
/// timed-out training script leaves no orphan holding the CPU.
fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals the process group; it touches no
            // memory of ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
}

/// `text` cut to `max` characters, for messages.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The metrics in the last non-empty line of `stdout`.
pub fn parse_metrics_line(stdout: &str) -> Result<MetricMap, String> {
    let line = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or("the command printed nothing; its last line must be a JSON object of metrics")?;
    let shown = shorten(line, 120);
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        format!("the last line `{shown}` is not JSON ({e}); it must be an object of metrics")
    })?;
    let object = value
        .as_object()
        .ok_or_else(|| format!("the last line `{shown}` is not a JSON object of metrics"))?;
    object
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::Number(n) => Ok((k.clone(), n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::Null => Ok((k.clone(), f64::NAN)),
            other => Err(format!("metric `{k}` is {other}, not a number")),
        })
        .collect()
}

/// Runs `argv` for one trial and returns its metrics. `dir` (created if needed) receives the
/// command's `stdout.log` and `stderr.log` and is its `{dir}`.
pub fn run_command_trial(
    argv: &[String],
    arch: &ArchDesc,
    index: usize,
    dir: Option<&Path>,
    timeout: Option<Duration>,
) -> Result<MetricMap, EstimError> {
    let dir_text = dir.map(|d| d.display().to_string()).unwrap_or_default();
    let argv = substitute(argv, arch, index, &dir_text);
    if let Some(d) = dir {
        std::fs::create_dir_all(d).map_err(|e| {
            EstimError::Record(format!(
                "cannot create trial directory {}: {e}",
                d.display()
            ))
        })?;
    }
    let params = serde_json::to_string(arch).map_err(|e| EstimError::Record(e.to_string()))?;
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .env("MODNAS_TRIAL", index.to_string())
        .env("MODNAS_PARAMS", params)
        .env("MODNAS_TRIAL_DIR", &dir_text)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| EstimError::InvalidArgs {
        component: "HPTuneEstim".into(),
        reason: format!("cannot start command `{}`: {e}", argv[0]),
    })?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if timeout.is_some_and(|t| start.elapsed() >= t) => {
                kill_tree(&mut child);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                return Err(EstimError::TrialFailed(format!(
                    "waiting for `{}`: {e}",
                    argv[0]
                )))
            }
        }
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    if let Some(d) = dir {
        for (name, text) in [("stdout.log", &stdout), ("stderr.log", &stderr)] {
            std::fs::write(d.join(name), text)
                .map_err(|e| EstimError::Record(format!("{}: {e}", d.join(name).display())))?;
        }
    }
    let Some(status) = status else {
        let secs = timeout.map_or(0.0, |t| t.as_secs_f64());
        return Err(EstimError::TrialFailed(format!(
            "`{}` timed out after {secs} s and was killed",
            argv[0]
        )));
    };
    if !status.success() {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(EstimError::TrialFailed(format!(
            "`{}` exited with {status}{}",
            argv[0],
            last.map(|l| format!(": {}", shorten(l.trim(), 200)))
                .unwrap_or_default()
        )));
    }
    parse_metrics_line(&stdout).map_err(EstimError::TrialFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch() -> ArchDesc {
        ArchDesc::from_toml("lr = 0.5\nopt = \"sgd\"\nlayers = 3").unwrap()
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholders("--lr={lr} x{trial}{dir}"),
            ["lr", "trial", "dir"]
        );
        assert!(placeholders("no braces { here").is_empty());
        assert_eq!(
            placeholders(r#"{"loss": {a.b}, ${HOME} {x-1}"#),
            ["a.b", "x-1"]
        );
    }

    #[test]
    fn values_reach_arguments_and_environment() {
        let script = "echo noise; echo \"{\\\"acc\\\": {lr}, \\\"n\\\": {layers}, \\\"t\\\": $MODNAS_TRIAL}\"";
        let m = run_command_trial(&sh(script), &arch(), 7, None, None).unwrap();
        assert_eq!((m["acc"], m["n"], m["t"]), (0.5, 3.0, 7.0));
        let m = run_command_trial(
            &sh("echo $MODNAS_PARAMS | sed 's/.*\"opt\":\"\\([a-z]*\\)\".*/{\"len\": 3}/'"),
            &arch(),
            0,
            None,
            None,
        )
        .unwrap();
        assert_eq!(m["len"], 3.0);
    }

    #[test]
    fn failures_name_their_cause() {
        let fail = |script: &str, timeout: Option<f64>| {
            run_command_trial(
                &sh(script),
                &arch(),
                0,
                None,
                timeout.map(Duration::from_secs_f64),
            )
            .unwrap_err()
            .to_string()
        };
        assert!(fail("echo boom >&2; exit 3", None).contains("exit status: 3: boom"));
        assert!(fail("echo '[1, 2]'", None).contains("not a JSON object"));
        assert!(fail("echo '{\"acc\": \"high\"}'", None).contains("`acc` is \"high\""));
        assert!(fail("true", None).contains("printed nothing"));
        let t0 = Instant::now();
        assert!(fail("sleep 5 & sleep 5; echo '{}'", Some(0.2)).contains("timed out after 0.2 s"));
        assert!(
            t0.elapsed() < Duration::from_secs(3),
            "the group was killed"
        );
        let missing = vec!["/no/such/program".to_string()];
        let e = run_command_trial(&missing, &arch(), 0, None, None).unwrap_err();
        assert!(matches!(e, EstimError::InvalidArgs { .. }), "{e}");
    }

    #[test]
    fn logs_land_in_the_trial_directory() {
        let dir = tempfile::tempdir().unwrap();
        let trial = dir.path().join("t0");
        let m = run_command_trial(
            &sh("echo warn >&2; echo \"{\\\"d\\\": 1}\"; test -d {dir}"),
            &arch(),
            0,
            Some(&trial),
            None,
        )
        .unwrap();
        assert_eq!(m["d"], 1.0);
        assert_eq!(
            std::fs::read_to_string(trial.join("stderr.log")).unwrap(),
            "warn\n"
        );
    }
}
