//! A trial run as an external command (`HPTuneEstim` with `command`): the trial's values go
//! into the arguments (`{name}` placeholders) and the environment (`MODNAS_PARAMS`, a JSON
//! object), and the last non-empty line the command prints is a JSON object of metrics.
//!
//! A command that trains epoch by epoch reports each epoch with a line
//! `MODNAS_REPORT {"epoch": 3, "acc": 0.91}` on its stdout ([`REPORT_PREFIX`], then a JSON
//! object with the 1-based `epoch` and the metrics): the search sees it as it is printed, and
//! when the run's pruner stops the trial the command and everything it started are killed.
//!
//! A command that exits with an error, prints no metrics or runs past the timeout fails its
//! trial only; a command that cannot be started at all is a configuration error.

use crate::{EstimError, TrialReporter};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamValue};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What starts a line of a command's stdout that reports an epoch.
pub(crate) const REPORT_PREFIX: &str = "MODNAS_REPORT ";

/// Placeholders every command may use besides the parameter names.
pub(crate) const COMMAND_PLACEHOLDERS: [&str; 2] = ["trial", "dir"];

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

/// Reads stdout line by line on a thread, each line sent as soon as it is printed; the
/// thread returns the whole text.
fn lines(
    pipe: Option<impl Read + Send + 'static>,
) -> (Receiver<String>, std::thread::JoinHandle<String>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let handle = std::thread::spawn(move || {
        let mut all = String::new();
        let Some(pipe) = pipe else { return all };
        for line in BufReader::new(pipe).lines() {
            // A read error (not UTF-8, say) ends the stream; the exit status decides the trial.
            let Ok(line) = line else { break };
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    (rx, handle)
}

/// The epoch and metrics of a report line (`MODNAS_REPORT {"epoch": 2, "acc": 0.9}`);
/// `None` for other lines.
pub(crate) fn parse_report_line(line: &str) -> Option<Result<(usize, MetricMap), String>> {
    let json = line.trim().strip_prefix(REPORT_PREFIX.trim_end())?;
    Some(parse_object(json.trim()).and_then(|mut metrics| {
        let epoch = metrics.shift_remove("epoch").unwrap_or(f64::NAN);
        if epoch.fract() != 0.0 || epoch < 1.0 {
            return Err(format!(
                "the report `{}` needs an `epoch` of 1 or more",
                shorten(line.trim(), 120)
            ));
        }
        Ok((epoch as usize, metrics))
    }))
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

/// The metrics in the last non-empty line of `stdout` that is no epoch report.
pub(crate) fn parse_metrics_line(stdout: &str) -> Result<MetricMap, String> {
    let line = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && parse_report_line(l).is_none())
        .ok_or("the command printed nothing; its last line must be a JSON object of metrics")?;
    parse_object(line)
}

/// The JSON object of metrics `line`.
fn parse_object(line: &str) -> Result<MetricMap, String> {
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
/// command's `stdout.log` and `stderr.log` and is its `{dir}`. Each epoch the command
/// reports goes to `reporter` as it is printed; a pruned trial's command is killed and
/// [`EstimError::Pruned`] returned.
pub fn run_command_trial(
    argv: &[String],
    arch: &ArchDesc,
    (index, dir): (usize, Option<&Path>),
    timeout: Option<Duration>,
    reporter: &mut TrialReporter<'_>,
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
    let (reports, out) = lines(child.stdout.take());
    let err = drain(child.stderr.take());
    let start = Instant::now();
    let mut stopped = None;
    let status = loop {
        // Reports are read while the command runs, waiting at most 5 ms for the next line.
        match reports.recv_timeout(Duration::from_millis(5)) {
            Ok(line) => {
                if let Err(e) = report(reporter, &line) {
                    kill_tree(&mut child);
                    let _ = child.wait();
                    stopped = Some(e);
                    break None;
                }
                continue;
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if timeout.is_some_and(|t| start.elapsed() >= t) => {
                kill_tree(&mut child);
                let _ = child.wait();
                break None;
            }
            Ok(None) => {}
            Err(e) => {
                return Err(EstimError::TrialFailed(format!(
                    "waiting for `{}`: {e}",
                    argv[0]
                )))
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    // Lines printed after the last poll still report, before the final metrics are read.
    if stopped.is_none() && status.is_some() {
        for line in reports.try_iter() {
            report(reporter, &line)?;
        }
    }
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    if let Some(d) = dir {
        for (name, text) in [("stdout.log", &stdout), ("stderr.log", &stderr)] {
            std::fs::write(d.join(name), text)
                .map_err(|e| EstimError::Record(format!("{}: {e}", d.join(name).display())))?;
        }
    }
    if let Some(e) = stopped {
        return Err(e);
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
    // A command that only reports epochs ends with its last report's metrics.
    let only_reports = stdout
        .lines()
        .all(|l| l.trim().is_empty() || parse_report_line(l).is_some());
    match reporter.last() {
        Some(last) if only_reports => Ok(last.metrics.clone()),
        _ => parse_metrics_line(&stdout).map_err(EstimError::TrialFailed),
    }
}

/// Hands a report line to `reporter`; other lines pass. A malformed report fails the trial.
fn report(reporter: &mut TrialReporter<'_>, line: &str) -> Result<(), EstimError> {
    match parse_report_line(line) {
        None => Ok(()),
        Some(Err(why)) => Err(EstimError::TrialFailed(why)),
        Some(Ok((epoch, metrics))) => reporter.report(epoch, metrics),
    }
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

    fn silent() -> TrialReporter<'static> {
        TrialReporter::silent(0)
    }

    #[test]
    fn report_lines_reach_the_reporter_as_they_are_printed() {
        let script = r#"for e in 1 2 3; do echo "MODNAS_REPORT {\"epoch\": $e, \"acc\": 0.$e}"; done; echo '{"acc": 0.35}'"#;
        let mut reporter = silent();
        let m = run_command_trial(&sh(script), &arch(), (0, None), None, &mut reporter).unwrap();
        assert_eq!(m["acc"], 0.35, "the last plain line is the trial's");
        assert_eq!(reporter.epochs(), 3);
        assert_eq!(reporter.last().unwrap().metrics["acc"], 0.3);
        // Only reports: the last one is the trial's result.
        let only = r#"echo "MODNAS_REPORT {\"epoch\": 1, \"acc\": 0.7}""#;
        let m = run_command_trial(&sh(only), &arch(), (0, None), None, &mut silent()).unwrap();
        assert_eq!(m["acc"], 0.7);
        assert_eq!(
            parse_report_line("MODNAS_REPORT {\"acc\": 1}")
                .unwrap()
                .unwrap_err(),
            "the report `MODNAS_REPORT {\"acc\": 1}` needs an `epoch` of 1 or more"
        );
        assert!(parse_report_line("{\"epoch\": 1}").is_none());
    }

    #[test]
    fn a_pruned_command_is_killed_at_once() {
        use crate::estim::{Mode, Objective};
        use crate::pruner::CurveEnd;
        let objective = Objective {
            key: "acc".into(),
            mode: Mode::Max,
        };
        let pruner = crate::build_pruner("MedianPruner", &toml::toml! { min_trials = 1 }).unwrap();
        let mut pruning = crate::Pruning::new(pruner);
        pruning.replay(0, &[0.9, 0.9], CurveEnd::Completed);
        let mut reporter = TrialReporter::new(1, &objective, Some(&mut pruning), None);
        // It would report for 10 s; the pruner stops it at its first epoch.
        let script = r#"for e in 1 2 3 4 5 6 7 8 9 10; do echo "MODNAS_REPORT {\"epoch\": $e, \"acc\": 0.1}"; sleep 1; done"#;
        let t0 = Instant::now();
        let e =
            run_command_trial(&sh(script), &arch(), (1, None), None, &mut reporter).unwrap_err();
        assert!(matches!(e, EstimError::Pruned { epoch: 1, .. }), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
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
        let m = run_command_trial(&sh(script), &arch(), (7, None), None, &mut silent()).unwrap();
        assert_eq!((m["acc"], m["n"], m["t"]), (0.5, 3.0, 7.0));
        let m = run_command_trial(
            &sh("echo $MODNAS_PARAMS | sed 's/.*\"opt\":\"\\([a-z]*\\)\".*/{\"len\": 3}/'"),
            &arch(),
            (0, None),
            None,
            &mut silent(),
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
                (0, None),
                timeout.map(Duration::from_secs_f64),
                &mut silent(),
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
        let e = run_command_trial(&missing, &arch(), (0, None), None, &mut silent()).unwrap_err();
        assert!(matches!(e, EstimError::InvalidArgs { .. }), "{e}");
    }

    #[test]
    fn logs_land_in_the_trial_directory() {
        let dir = tempfile::tempdir().unwrap();
        let trial = dir.path().join("t0");
        let m = run_command_trial(
            &sh("echo warn >&2; echo \"{\\\"d\\\": 1}\"; test -d {dir}"),
            &arch(),
            (0, Some(trial.as_path())),
            None,
            &mut silent(),
        )
        .unwrap();
        assert_eq!(m["d"], 1.0);
        assert_eq!(
            std::fs::read_to_string(trial.join("stderr.log")).unwrap(),
            "warn\n"
        );
    }
}
