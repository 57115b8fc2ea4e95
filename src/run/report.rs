//! What a run did, read from its directory (finished or still running): a summary table
//! ([`RunReport`], `modnas report RUN_DIR`) and the best-so-far objective against trials and
//! against wall time ([`ProgressCurve`], drawn by [`plot_progress`](crate::viz::plot_progress)).

use crate::run::dir::{read_journal, CONFIG_FILE};
use crate::{Config, ModnasError};
use modnas_estim::Trial;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A successful trial's objective value.
fn objective_value(key: &str, t: &Trial) -> Option<f64> {
    let v = *t.metrics.get(key)?;
    (t.error.is_none() && !v.is_nan()).then_some(v)
}

/// The best-so-far objective of a search, built trial by trial (from a journal, or as a run
/// records them).
#[derive(Clone, Debug)]
pub struct ProgressCurve {
    pub(crate) key: String,
    max: bool,
    seconds: f64,
    best: Option<f64>,
    pub(crate) points: Vec<(usize, f64, f64)>,
}

impl ProgressCurve {
    /// An empty curve of the objective `key`, maximised when `max`.
    pub fn new(key: &str, max: bool) -> Self {
        Self {
            key: key.to_string(),
            max,
            seconds: 0.0,
            best: None,
            points: vec![],
        }
    }

    /// Adds the next trial.
    pub fn push(&mut self, t: &Trial) {
        self.seconds += t.seconds;
        if let Some(v) = objective_value(&self.key, t) {
            let better = |b: f64| if self.max { v > b } else { v < b };
            if self.best.is_none_or(better) {
                self.best = Some(v);
            }
        }
        if let Some(b) = self.best {
            self.points.push((t.index, self.seconds, b));
        }
    }

    /// (trial index, cumulative seconds, best so far), one per trial from the first success.
    pub fn points(&self) -> &[(usize, f64, f64)] {
        &self.points
    }
}

/// A run's summary.
#[derive(Debug)]
pub struct RunReport {
    /// The run directory.
    pub dir: PathBuf,
    /// `estim.search.type` and `optim.type`.
    pub estim: String,
    /// The optimizer.
    pub optim: String,
    /// The objective metric and whether it is maximised.
    pub objective: (String, bool),
    /// Every recorded trial.
    pub trials: Vec<Trial>,
    /// Whether the run searched a model's architecture (its best can be drawn as a graph).
    pub has_model: bool,
}

impl RunReport {
    /// Reads the report of the run in `dir`.
    pub fn load(dir: &Path) -> Result<Self, ModnasError> {
        let cfg = Config::from_file(dir.join(CONFIG_FILE), &[])?;
        Ok(Self {
            dir: dir.to_path_buf(),
            estim: cfg.estim.search.type_name.clone(),
            optim: cfg.optim.type_name.clone(),
            objective: cfg.objective(),
            trials: read_journal(dir)?,
            has_model: cfg.model.is_some(),
        })
    }

    fn value(&self, t: &Trial) -> Option<f64> {
        objective_value(&self.objective.0, t)
    }

    /// The successful trials, best first.
    pub fn ranked(&self) -> Vec<&Trial> {
        let mut ok: Vec<(&Trial, f64)> = self
            .trials
            .iter()
            .filter_map(|t| self.value(t).map(|v| (t, v)))
            .collect();
        ok.sort_by(|a, b| {
            let order = a.1.total_cmp(&b.1);
            if self.objective.1 {
                order.reverse()
            } else {
                order
            }
        });
        ok.into_iter().map(|(t, _)| t).collect()
    }

    /// Best-so-far objective after each trial: (trial index, cumulative seconds, best), from
    /// the first successful trial on.
    pub fn best_so_far(&self) -> Vec<(usize, f64, f64)> {
        let mut curve = ProgressCurve::new(&self.objective.0, self.objective.1);
        self.trials.iter().for_each(|t| curve.push(t));
        curve.points
    }

    /// The summary as text: counts, time, and the `top` best trials.
    pub fn render(&self, top: usize) -> String {
        let failed = self.trials.iter().filter(|t| t.error.is_some()).count();
        let seconds: f64 = self.trials.iter().map(|t| t.seconds).sum();
        let (key, max) = &self.objective;
        let mut s = String::new();
        let _ = writeln!(s, "run: {}", self.dir.display());
        let _ = writeln!(s, "estimator: {}, optimizer: {}", self.estim, self.optim);
        let _ = writeln!(
            s,
            "trials: {}, failed: {failed}, evaluation time: {seconds:.1} s",
            self.trials.len()
        );
        let _ = writeln!(s, "objective: {key} ({})", if *max { "max" } else { "min" });
        let ranked = self.ranked();
        if ranked.is_empty() {
            let _ = writeln!(s, "no successful trial yet");
            return s;
        }
        let _ = writeln!(s, "{:>6}  {:>12}  {:>8}  arch", "trial", key, "seconds");
        for t in ranked.into_iter().take(top) {
            let _ = writeln!(
                s,
                "{:>6}  {:>12.6}  {:>8.2}  {}",
                t.index,
                t.metrics[key.as_str()],
                t.seconds,
                t.arch.summary()
            );
        }
        s
    }
}
