//! Progress of a search on the terminal: a bar on a TTY, plain lines (one per trial or epoch)
//! when stderr is a file or a pipe, nothing with `--quiet`. It subscribes to the run's events
//! ([`ProgressEvents`]): each recorded trial counts, and each epoch a trial reports — in this
//! process or on a worker — shows on the bar. Within an epoch, the trainers' batch events
//! ([`PROGRESS_TARGET`]) update the bar. Without a bar, epochs and batches print a plain line
//! every `MODNAS_PROGRESS_SECS` seconds (default 10).

use indicatif::{ProgressBar, ProgressStyle};
use modnas::estim::{EpochReport, EstimError, RunCallback, RunEvent, Trial, PROGRESS_TARGET};
use modnas::Config;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How often a plain-line sink reports batches: `MODNAS_PROGRESS_SECS`, default 10 s.
fn line_every() -> Duration {
    let secs = std::env::var("MODNAS_PROGRESS_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(10.0);
    Duration::from_secs_f64(secs)
}

/// Where batch events go: the bar of the running search, or plain lines.
enum Live {
    Bar(ProgressBar),
    Lines {
        start: Instant,
        last: Instant,
        every: Duration,
    },
}

/// Set while a search with a visible progress reports; batch events arrive on the trainer's
/// thread through the subscriber, so they find the sink here.
static LIVE: Mutex<Option<Live>> = Mutex::new(None);

fn set_live(live: Option<Live>) {
    if let Ok(mut slot) = LIVE.lock() {
        *slot = live;
    }
}

/// The fields of a progress event.
#[derive(Default)]
struct BatchFields {
    epoch: u64,
    epochs: u64,
    batch: Option<u64>,
    batches: u64,
    loss: Option<f64>,
}

impl Visit for BatchFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "epoch" => self.epoch = value,
            "epochs" => self.epochs = value,
            "batch" => self.batch = Some(value),
            "batches" => self.batches = value,
            _ => {}
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "loss" {
            self.loss = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// Shows the trainers' batch and epoch events on the running search's progress.
pub struct BatchLayer;

impl<S: Subscriber> Layer<S> for BatchLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != PROGRESS_TARGET {
            return;
        }
        let mut f = BatchFields::default();
        event.record(&mut f);
        let text = match (f.batch, f.loss) {
            (Some(b), _) => format!("epoch {}/{} batch {b}/{}", f.epoch, f.epochs, f.batches),
            (None, Some(loss)) => format!("epoch {}/{} train loss {loss:.4}", f.epoch, f.epochs),
            (None, None) => return,
        };
        show_live(text);
    }
}

/// Shows `text` on the running search's bar, or as a plain line when the last one is older
/// than the interval.
fn show_live(text: String) {
    let Ok(mut live) = LIVE.lock() else {
        return;
    };
    match live.as_mut() {
        Some(Live::Bar(bar)) => bar.set_prefix(text),
        Some(Live::Lines { start, last, every }) if last.elapsed() >= *every => {
            *last = Instant::now();
            eprintln!("[{:>8.1}s]   {text}", start.elapsed().as_secs_f64());
        }
        _ => {}
    }
}

/// A search's [`Progress`] as a subscriber of its events (`modnas::run_search_with`).
pub struct ProgressEvents(pub Arc<Mutex<Progress>>);

impl RunCallback for ProgressEvents {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        let Ok(mut progress) = self.0.lock() else {
            return Ok(());
        };
        match event {
            RunEvent::TrialFinished { trial }
            | RunEvent::TrialPruned { trial }
            | RunEvent::TrialFailed { trial } => progress.on_trial(trial),
            RunEvent::EpochReported { report } => progress.on_epoch(report),
            _ => {}
        }
        Ok(())
    }
}

enum Sink {
    Bar(ProgressBar),
    Lines(Instant),
    Hidden,
}

/// Trials (or supernet epochs) done, with the best objective so far.
pub struct Progress {
    sink: Sink,
    unit: &'static str,
    total: Option<u64>,
    done: u64,
    objective: String,
    maximise: bool,
    best: Option<f64>,
}

impl Progress {
    /// Progress for the run `cfg` describes.
    pub fn new(cfg: &Config, quiet: bool) -> Self {
        let (unit, total) = cfg.search_budget();
        let total = total.map(|n| n as u64);
        let (objective, maximise) = cfg.objective();
        let sink = if quiet {
            Sink::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {unit} {{pos}}/{{len}} [{{elapsed_precise}}] {{msg}} · {{prefix}}"
                ))
                .expect("valid template"),
            );
            set_live(Some(Live::Bar(bar.clone())));
            Sink::Bar(bar)
        } else {
            let now = Instant::now();
            set_live(Some(Live::Lines {
                start: now,
                last: now,
                every: line_every(),
            }));
            Sink::Lines(now)
        };
        Self {
            sink,
            unit,
            total,
            done: 0,
            objective,
            maximise,
            best: None,
        }
    }

    /// Counts the trials a resumed run already holds.
    pub fn resume_from(&mut self, trials: &[Trial]) {
        for t in trials {
            self.count(t);
        }
        if let Sink::Bar(bar) = &self.sink {
            bar.set_position(self.done);
        }
    }

    fn count(&mut self, t: &Trial) {
        self.done += 1;
        let value = t.metrics.get(&self.objective).filter(|v| v.is_finite());
        // A pruned trial (or one at a lower fidelity) is never the best.
        if let Some(&v) = value.filter(|_| t.error.is_none() && t.pruned.is_none()) {
            let better = self
                .best
                .is_none_or(|b| if self.maximise { v > b } else { v < b });
            if better {
                self.best = Some(v);
            }
        }
    }

    /// Reports one new trial.
    pub fn on_trial(&mut self, t: &Trial) {
        self.count(t);
        let best = match self.best {
            Some(b) => format!("best {} {b:.4}", self.objective),
            None => format!("best {} -", self.objective),
        };
        match &self.sink {
            Sink::Bar(bar) => {
                bar.set_message(best);
                bar.inc(1);
            }
            Sink::Lines(start) => {
                let of = self.total.map_or(String::new(), |n| format!("/{n}"));
                let result = match (&t.error, &t.pruned, t.metrics.get(&self.objective)) {
                    (Some(why), _, _) => format!("failed: {why}"),
                    (None, Some(why), _) => format!("pruned ({why})"),
                    (None, None, Some(v)) => format!("{} {v:.4}", self.objective),
                    (None, None, None) => "done".into(),
                };
                eprintln!(
                    "[{:>8.1}s] {} {}{of}: {result}; {best}",
                    start.elapsed().as_secs_f64(),
                    self.unit,
                    self.done
                );
            }
            Sink::Hidden => {}
        }
    }

    /// Shows an epoch a trial reported: the objective when the epoch was scored, else the
    /// training loss.
    pub fn on_epoch(&mut self, r: &EpochReport) {
        let value = match (r.metrics.get(&self.objective), r.metrics.get("train_loss")) {
            (Some(v), _) => format!("{} {v:.4}", self.objective),
            (None, Some(loss)) => format!("train loss {loss:.4}"),
            (None, None) => String::new(),
        };
        show_live(format!("trial {} epoch {} {value}", r.trial, r.epoch));
    }

    /// Clears the bar.
    pub fn finish(&self) {
        set_live(None);
        if let Sink::Bar(bar) = &self.sink {
            bar.finish_and_clear();
        }
    }
}
