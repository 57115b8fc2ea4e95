//! What a run did, read from its directory (finished or still running): a summary table
//! ([`RunReport`], `modnas report RUN_DIR`) and the best-so-far objective against trials,
//! against wall time and against the epochs trained ([`ProgressCurve`], drawn by
//! [`plot_progress`](crate::viz::plot_progress)): quality per compute.

use crate::run::dir::{read_journal, CONFIG_FILE};
use crate::{Config, ModnasError};
use modnas_estim::Trial;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The objective value of a trial that succeeded and trained to the end (a pruned trial's
/// value is of fewer epochs: it is never the best).
fn objective_value(key: &str, t: &Trial) -> Option<f64> {
    let v = *t.metrics.get(key)?;
    (t.error.is_none() && t.pruned.is_none() && !v.is_nan()).then_some(v)
}

/// The best-so-far objective of a search, built trial by trial (from a journal, or as a run
/// records them).
#[derive(Clone, Debug)]
pub struct ProgressCurve {
    pub(crate) key: String,
    max: bool,
    seconds: f64,
    epochs: f64,
    best: Option<f64>,
    pub(crate) points: Vec<(usize, f64, f64)>,
    /// Epochs trained by the run up to each point, over all the data (trials that report no
    /// epochs count 0; one on half the data counts half).
    pub(crate) epochs_at: Vec<f64>,
}

impl ProgressCurve {
    /// An empty curve of the objective `key`, maximised when `max`.
    pub fn new(key: &str, max: bool) -> Self {
        Self {
            key: key.to_string(),
            max,
            seconds: 0.0,
            epochs: 0.0,
            best: None,
            points: vec![],
            epochs_at: vec![],
        }
    }

    /// Adds the next trial.
    pub fn push(&mut self, t: &Trial) {
        self.seconds += t.seconds;
        self.epochs += t.compute_epochs();
        if let Some(v) = objective_value(&self.key, t) {
            let better = |b: f64| if self.max { v > b } else { v < b };
            if self.best.is_none_or(better) {
                self.best = Some(v);
            }
        }
        if let Some(b) = self.best {
            self.points.push((t.index, self.seconds, b));
            self.epochs_at.push(self.epochs);
        }
    }

    /// (epochs trained by the run, best so far), one per point of [`points`](Self::points).
    pub fn by_epochs(&self) -> Vec<(f64, f64)> {
        self.epochs_at
            .iter()
            .zip(&self.points)
            .map(|(e, p)| (*e, p.2))
            .collect()
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

    /// The summary as text: counts, compute (time, epochs), when the best was reached, and
    /// the `top` best trials.
    pub fn render(&self, top: usize) -> String {
        let count = |f: fn(&Trial) -> bool| self.trials.iter().filter(|t| f(t)).count();
        let (failed, pruned) = (count(|t| t.error.is_some()), count(|t| t.pruned.is_some()));
        let seconds: f64 = self.trials.iter().map(|t| t.seconds).sum();
        let epochs: f64 = self.trials.iter().map(Trial::compute_epochs).sum();
        let (key, max) = &self.objective;
        let mut s = String::new();
        let _ = writeln!(s, "run: {}", self.dir.display());
        let _ = writeln!(s, "estimator: {}, optimizer: {}", self.estim, self.optim);
        let _ = write!(s, "trials: {}, failed: {failed}", self.trials.len());
        if pruned > 0 {
            let _ = write!(s, ", pruned: {pruned}");
        }
        let _ = write!(s, ", evaluation time: {seconds:.1} s");
        if epochs > 0.0 {
            let _ = write!(s, ", epochs trained: {}", fmt_epochs(epochs));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "objective: {key} ({})", if *max { "max" } else { "min" });
        let ranked = self.ranked();
        if ranked.is_empty() {
            let _ = writeln!(s, "no successful trial yet");
            return s;
        }
        if let Some(line) = self.best_reached(ranked[0]) {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "{:>6}  {:>12}  {:>8}  {:>6}  arch",
            "trial", key, "seconds", "epochs"
        );
        for t in ranked.into_iter().take(top) {
            let epochs = t
                .epochs
                .map_or("-".to_string(), |_| fmt_epochs(t.compute_epochs()));
            let _ = writeln!(
                s,
                "{:>6}  {:>12.6}  {:>8.2}  {epochs:>6}  {}",
                t.index,
                t.metrics[key.as_str()],
                t.seconds,
                t.arch.summary()
            );
        }
        s
    }

    /// When the run reached `best`: after how many seconds and epochs of all it spent.
    fn best_reached(&self, best: &Trial) -> Option<String> {
        let until = self.trials.iter().position(|t| t.index == best.index)?;
        let spent = &self.trials[..=until];
        let seconds: f64 = spent.iter().map(|t| t.seconds).sum();
        let epochs: f64 = spent.iter().map(Trial::compute_epochs).sum();
        let total_s: f64 = self.trials.iter().map(|t| t.seconds).sum();
        let total_e: f64 = self.trials.iter().map(Trial::compute_epochs).sum();
        let mut line = format!(
            "best reached at trial {} after {seconds:.1} s of {total_s:.1} s",
            best.index
        );
        if total_e > 0.0 {
            line += &format!(
                " and {} of {} epochs",
                fmt_epochs(epochs),
                fmt_epochs(total_e)
            );
        }
        Some(line)
    }
}

/// Epochs over all the data: whole ones as integers, a data fraction's to a tenth.
pub(crate) fn fmt_epochs(e: f64) -> String {
    if e.fract() == 0.0 {
        format!("{e:.0}")
    } else {
        format!("{e:.1}")
    }
}
