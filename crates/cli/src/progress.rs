//! Progress of a search on the terminal: a bar on a TTY, plain lines (one per trial or epoch)
//! when stderr is a file or a pipe, nothing with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use modnas::estim::Trial;
use modnas::Config;
use std::io::IsTerminal;
use std::time::Instant;

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
        // Supernet searches report one trial per epoch.
        let unit = if cfg.estim.search.type_name == "SuperNetEstim" {
            "epochs"
        } else {
            "trials"
        };
        let total = cfg
            .estim
            .search
            .args
            .get(unit)
            .and_then(|v| v.as_integer())
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| *n > 0);
        let (objective, maximise) = cfg.objective();
        let sink = if quiet {
            Sink::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {unit} {{pos}}/{{len}} [{{elapsed_precise}}] {{msg}}"
                ))
                .expect("valid template"),
            );
            Sink::Bar(bar)
        } else {
            Sink::Lines(Instant::now())
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
        if let Some(&v) = value.filter(|_| t.error.is_none()) {
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
                let result = match (&t.error, t.metrics.get(&self.objective)) {
                    (Some(why), _) => format!("failed: {why}"),
                    (None, Some(v)) => format!("{} {v:.4}", self.objective),
                    (None, None) => "done".into(),
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

    /// Clears the bar.
    pub fn finish(&self) {
        if let Sink::Bar(bar) = &self.sink {
            bar.finish_and_clear();
        }
    }
}
