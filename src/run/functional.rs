//! A search whose estimator step is the user's own code (NNI's functional evaluator): modnas
//! proposes architectures of a [`ParamSpace`] with a registered optimizer, the user's closure
//! builds, trains and evaluates each one however it likes — any model, any tensor rank, its own
//! loop or `burn-train`'s `Learner`, its own data — and modnas records every trial in a run
//! directory, keeps going past failed ones, and resumes an interrupted run.
//!
//! The run directory is a normal one (`run.toml`, `config.toml`, `trials.jsonl`, `best.toml`):
//! its `config.toml` records the optimizer, the budget and the objective under
//! `estim.search.type = "FunctionalSearch"`, so `modnas report` and `modnas dashboard` read it,
//! and `--resume` semantics hold (same optimizer, budget and seed).
//!
//! ```
//! use modnas::param_space::{Categorical, ParamSpace};
//! use modnas::core::MetricMap;
//! use modnas::{FunctionalSearch, RunMode};
//! # fn main() -> Result<(), modnas::ModnasError> {
//! let mut space = ParamSpace::new();
//! space.insert("width", Categorical::new([8i64, 16, 32]).unwrap()).unwrap();
//! let dir = tempfile::tempdir().unwrap();
//! let run = FunctionalSearch::new(space)
//!     .optimizer("GridSearchOptim", toml::Table::new())
//!     .trials(3)
//!     .objective("rmse", false)
//!     .run(dir.path(), RunMode::New, |arch, _index| {
//!         let width = arch.get("width").and_then(|v| v.as_i64()).unwrap_or(1);
//!         Ok(MetricMap::from([("rmse".to_string(), 100.0 / width as f64)]))
//!     })?;
//! assert_eq!(run.outcome.best.unwrap().arch.get("width").unwrap().as_i64(), Some(32));
//! # Ok(())
//! # }
//! ```

use crate::run::dir::prepare;
use crate::run::journal::Journal;
use crate::run::lock::DirLock;
use crate::run::search::write_results;
use crate::{Config, ModnasError, RunMode, SearchRun};
use modnas_core::MetricMap;
use modnas_estim::{search_with_reporting, EstimError, SearchArgs, TrialReporter};
use modnas_param_space::{ArchDesc, ParamSpace};
use std::path::Path;

/// The `estim.search.type` a functional run records in its `config.toml`.
pub const FUNCTIONAL_SEARCH: &str = "FunctionalSearch";

/// A search over `space` whose trials a closure evaluates, each trial built and trained by the
/// user's own code (`docs/own-task.md`).
pub struct FunctionalSearch {
    space: ParamSpace,
    optim: String,
    optim_args: toml::Table,
    trials: Option<usize>,
    max_seconds: Option<f64>,
    max_epochs: Option<usize>,
    objective: String,
    maximize: bool,
    seed: u64,
    pruner: Option<(String, toml::Table)>,
    callbacks: Vec<(String, toml::Table)>,
}

impl FunctionalSearch {
    /// A random search of 10 trials over `space`, maximising `acc`, seed 0.
    pub fn new(space: ParamSpace) -> Self {
        Self {
            space,
            optim: "RandomSearchOptim".into(),
            optim_args: toml::Table::new(),
            trials: None,
            max_seconds: None,
            max_epochs: None,
            objective: "acc".into(),
            maximize: true,
            seed: 0,
            pruner: None,
            callbacks: vec![],
        }
    }

    /// The registered optimizer `name` with its `args` (an unknown name is an error that lists
    /// the known ones when the search starts).
    pub fn optimizer(mut self, name: &str, args: toml::Table) -> Self {
        self.optim = name.to_string();
        self.optim_args = args;
        self
    }

    /// How many trials to evaluate (default 10, unlimited under [`max_epochs`](Self::max_epochs)).
    pub fn trials(mut self, trials: usize) -> Self {
        self.trials = Some(trials);
        self
    }

    /// Stop proposing after `seconds` of wall-clock time.
    pub fn max_seconds(mut self, seconds: f64) -> Self {
        self.max_seconds = Some(seconds);
        self
    }

    /// Stop proposing once the trials have reported `epochs` epochs in all (a pruned trial
    /// counts the epochs it trained): a compute budget for [`run_reporting`](Self::run_reporting).
    pub fn max_epochs(mut self, epochs: usize) -> Self {
        self.max_epochs = Some(epochs);
        self
    }

    /// The metric the search optimises, higher better when `maximize`.
    pub fn objective(mut self, key: &str, maximize: bool) -> Self {
        self.objective = key.to_string();
        self.maximize = maximize;
        self
    }

    /// The optimizer's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Hands the run's events (trials proposed, started and recorded, each reported epoch)
    /// to the registered callback `name` built with `args`; callbacks are called in the order
    /// they are added (`docs/runs.md`, "Events and callbacks").
    pub fn callback(mut self, name: &str, args: toml::Table) -> Self {
        self.callbacks.push((name.to_string(), args));
        self
    }

    /// Stops trials whose reported epochs fall behind with the registered pruner `name` and
    /// its `args` (`MedianPruner`, `SuccessiveHalvingPruner` …); the closure of
    /// [`run_reporting`](Self::run_reporting) reports the epochs.
    pub fn pruner(mut self, name: &str, args: toml::Table) -> Self {
        self.pruner = Some((name.to_string(), args));
        self
    }

    /// The trial budget: as set, else 10 unless an epoch budget bounds the run.
    fn trials_budget(&self) -> Option<usize> {
        match (self.trials, self.max_epochs) {
            (Some(t), _) => Some(t),
            (None, Some(_)) => None,
            (None, None) => Some(10),
        }
    }

    /// The config this run records: optimizer, budget, objective and seed.
    pub fn config(&self) -> Result<Config, ModnasError> {
        let mut search = toml::Table::new();
        if let Some(t) = self.trials_budget() {
            search.insert("trials".into(), (t as i64).into());
        }
        if let Some(s) = self.max_seconds {
            search.insert("max_seconds".into(), s.into());
        }
        if let Some(e) = self.max_epochs {
            search.insert("max_epochs".into(), (e as i64).into());
        }
        let optim = (self.optim.as_str(), &self.optim_args);
        let objective = (self.objective.as_str(), self.maximize);
        let mut cfg = recorded_config(FUNCTIONAL_SEARCH, search, optim, objective, self.seed)?;
        let component = |(name, args): &(String, toml::Table)| crate::config::Component {
            type_name: name.clone(),
            args: args.clone(),
        };
        cfg.pruner = self.pruner.as_ref().map(component);
        cfg.callbacks = self.callbacks.iter().map(component).collect();
        Ok(cfg)
    }

    /// Runs the search in `dir` (`mode`: new, overwrite or resume): `evaluate(arch, index)`
    /// returns each trial's metrics, which must hold the objective. An error of the
    /// architecture ([`EstimError::TrialFailed`], a construct or metric error), a panic or a
    /// NaN objective fails that trial only; any other error stops the run, whose recorded
    /// trials a resumed run replays.
    pub fn run(
        self,
        dir: &Path,
        mode: RunMode,
        mut evaluate: impl FnMut(&ArchDesc, usize) -> Result<MetricMap, EstimError>,
    ) -> Result<SearchRun, ModnasError> {
        self.run_reporting(dir, mode, move |arch, index, _| evaluate(arch, index))
    }

    /// [`run`](Self::run) whose closure trains epoch by epoch and reports each epoch to the
    /// [`TrialReporter`] it is handed (`reporter.report(epoch, metrics)?`): the
    /// [`pruner`](Self::pruner), when set, stops trials that fall behind (the `?` returns its
    /// verdict), and the trial is recorded as pruned with its last reported metrics.
    ///
    /// An optimizer that chooses fidelities (`HyperbandOptim`, `BOHBOptim`) tells the closure
    /// through the reporter: with epochs, the report of the chosen epoch ends the trial (the
    /// `?` again); with `fidelity = "data_fraction"`, the closure trains on
    /// [`reporter.share_of(n)`](TrialReporter::share_of) of its `n` training samples (the
    /// first ones: shuffle ordered data once beforehand). `reporter.add_samples(k)` counts the
    /// samples each epoch saw, for the events and `epochs.jsonl`.
    ///
    /// ```
    /// use modnas::param_space::{Categorical, ParamSpace};
    /// use modnas::core::MetricMap;
    /// use modnas::{FunctionalSearch, RunMode};
    /// # fn main() -> Result<(), modnas::ModnasError> {
    /// let mut space = ParamSpace::new();
    /// space.insert("rate", Categorical::new([6i64, 5, 4, 3, 2, 1]).unwrap()).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let run = FunctionalSearch::new(space)
    ///     .optimizer("GridSearchOptim", toml::Table::new())
    ///     .trials(6)
    ///     .pruner("SuccessiveHalvingPruner", toml::Table::new())
    ///     .run_reporting(dir.path(), RunMode::New, |arch, _index, reporter| {
    ///         let rate = arch.get("rate").and_then(|v| v.as_i64()).unwrap_or(1) as f64;
    ///         let mut acc = 0.0;
    ///         for epoch in 1..=9 {
    ///             acc = 1.0 - (-rate * epoch as f64 / 20.0).exp(); // an epoch of training
    ///             reporter.report(epoch, MetricMap::from([("acc".to_string(), acc)]))?;
    ///         }
    ///         Ok(MetricMap::from([("acc".to_string(), acc)]))
    ///     })?;
    /// let best = run.outcome.best.unwrap();
    /// assert_eq!(best.arch.get("rate").unwrap().as_i64(), Some(6));
    /// // Slower learners were stopped at a rung (epoch 1, 3 or 9 of successive halving).
    /// let journal = modnas::run::read_journal(dir.path()).unwrap();
    /// assert!(journal.iter().any(|t| t.pruned.is_some() && t.epochs < Some(9)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_reporting(
        self,
        dir: &Path,
        mode: RunMode,
        evaluate: impl FnMut(&ArchDesc, usize, &mut TrialReporter<'_>) -> Result<MetricMap, EstimError>,
    ) -> Result<SearchRun, ModnasError> {
        let cfg = self.config()?;
        let reporting = modnas_estim::Reporting {
            pruning: crate::config::validate::build_pruning(&cfg)?,
            checkpoints: Some(dir.to_path_buf()),
        };
        let optim = crate::run::search::build_search_optim(&cfg, &self.space)?;
        let mut optim = crate::run::paired::Paired::discrete_optim(&cfg, optim)?;
        let size = self.space.size();
        let (_lock, replay) = DirLock::acquire_for(dir, || prepare(dir, &cfg, size, mode))?;
        if !replay.is_empty() {
            tracing::info!(
                trials = replay.len(),
                "resuming: replaying the recorded trials"
            );
        }
        let mut search = SearchArgs::new(self.trials_budget(), &self.objective, self.maximize);
        search.budget.seconds = self.max_seconds;
        search.budget.epochs = self.max_epochs;
        let mut on_trial = |_: &modnas_estim::Trial| {};
        let mut journal = Journal::open(dir, &cfg, replay.len(), vec![], &mut on_trial)?;
        let outcome = search_with_reporting(
            optim.as_mut(),
            &mut journal,
            &replay,
            &search,
            reporting,
            evaluate,
        )?;
        write_results(dir, &outcome, Some(optim.as_mut()))?;
        journal.finish(&outcome)?;
        tracing::info!(dir = %dir.display(), trials = outcome.trials, stop = ?outcome.stop, "functional search finished");
        Ok(SearchRun {
            dir: dir.to_path_buf(),
            outcome,
        })
    }
}

/// The config a run driven by user code records: `optim`, `estim.search` of type `kind` with
/// `search` (the budget) and the objective, and the seed.
pub(crate) fn recorded_config(
    kind: &str,
    mut search: toml::Table,
    (optim, optim_args): (&str, &toml::Table),
    (objective, maximize): (&str, bool),
    seed: u64,
) -> Result<Config, ModnasError> {
    search.insert("objective".into(), objective.into());
    search.insert("mode".into(), if maximize { "max" } else { "min" }.into());
    let component = |name: &str, args: toml::Table| {
        let mut t = toml::Table::new();
        t.insert("type".into(), name.into());
        t.insert("args".into(), args.into());
        t
    };
    let mut estim = toml::Table::new();
    estim.insert("search".into(), component(kind, search).into());
    let mut doc = toml::Table::new();
    doc.insert("seed".into(), (seed as i64).into());
    doc.insert("optim".into(), component(optim, optim_args.clone()).into());
    doc.insert("estim".into(), estim.into());
    Config::from_toml(&doc.to_string(), &[])
}
