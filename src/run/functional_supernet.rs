//! Weight-sharing search over the user's own model, data and loss: the supernet counterpart of
//! [`FunctionalSearch`](super::FunctionalSearch). The user builds their Burn model with
//! `Slot`s, constructs it with mixed operators (`CandidateSets::mixed`), and hands modnas
//! their training and validation batches (a Burn `DataLoader` over any `Dataset` and
//! `Batcher`, or a vector), a loss closure and a metric closure. modnas alternates α steps of
//! the registered gradient optimizer (DARTS, GDAS, SNAS, ProxylessNAS, DrNAS …) with weight
//! steps of the user's Burn optimizer and learning-rate schedule, records every epoch's
//! exported architecture and α in a run directory, and returns the derived architecture with
//! the trained supernet. The derived architecture is then trained from scratch however the
//! user likes: `construct` the model with plain candidate sets and `Constructed::apply` it.
//!
//! Batches are of the user's own type: several input tensors (values and a mask), float
//! targets (regression, forecasting), per-step labels — whatever their loss reads.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Distribution, Tensor};
//! use modnas::construct::{construct, CandidateSets, Slot};
//! use modnas::core::MetricMap;
//! use modnas::{FunctionalSuperNet, RunMode};
//!
//! #[derive(Module, Debug)]
//! struct Net { body: Slot } // a dense 4 → 4 slot
//! #[derive(Clone)]
//! struct Batch { x: Tensor<2>, y: Tensor<2> }
//!
//! # fn main() -> anyhow::Result<()> {
//! let device = Device::default().autodiff();
//! let sets = CandidateSets::mixed("DARTSMixedOp", ["IDT", "RELU", "LIN"]);
//! let supernet = construct(Net { body: Slot::dense(4, 4) }, &sets, &device)?;
//! let x = Tensor::random([8, 4], Distribution::Default, &device);
//! let batches = vec![Batch { x: x.clone(), y: x.abs() }];
//! let mse = |net: &Net, b: &Batch| {
//!     let d = net.body.forward_dense(b.x.clone()) - b.y.clone();
//!     Ok((d.clone() * d).mean())
//! };
//! let dir = tempfile::tempdir().unwrap();
//! let run = FunctionalSuperNet::new("DARTSOptim", toml::Table::new())
//!     .epochs(2)
//!     .objective("mse", false)
//!     .run(dir.path(), RunMode::New, supernet, (&batches, &batches), mse, |net| {
//!         let b = &batches[0];
//!         let d = net.body.forward_dense(b.x.clone().inner()) - b.y.clone().inner();
//!         Ok(MetricMap::from([("mse".to_string(), (d.clone() * d).mean().into_scalar::<f64>())]))
//!     })?;
//! assert_eq!(run.outcome.trials, 2);
//! assert!(run.arch.get("body").is_some());
//! # Ok(())
//! # }
//! ```

use super::functional::recorded_config;
use crate::run::dir::prepare;
use crate::run::journal::Journal;
use crate::run::lock::DirLock;
use crate::run::search::write_results;
use crate::{Config, ModnasError, RunMode};
use burn::lr_scheduler::LrScheduler;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use modnas_construct::Constructed;
use modnas_core::MetricMap;
use modnas_estim::{
    supernet_with, Batches, EstimError, LossFn, SearchOutcome, SuperNetLoopArgs, SuperNetOptims,
    SuperNetParts, WeightOptimKind,
};
use modnas_param_space::ArchDesc;
use std::path::{Path, PathBuf};

/// The `estim.search.type` a functional supernet run records in its `config.toml`.
pub const FUNCTIONAL_SUPERNET: &str = "FunctionalSuperNet";

/// A weight-sharing search of a user's supernet: DARTS and the other gradient methods
/// over the user's model, batches and loss, with a run directory (`docs/own-task.md`).
pub struct FunctionalSuperNet {
    optim: String,
    optim_args: toml::Table,
    args: SuperNetLoopArgs,
    maximize: bool,
    weights: Option<ModuleOptimizer>,
    schedule: Box<dyn LrScheduler>,
    callbacks: Vec<(String, toml::Table)>,
}

/// A finished functional supernet search.
pub struct SuperNetRun<M> {
    /// The run directory.
    pub dir: PathBuf,
    /// One trial per epoch; the best is the last epoch's, the derived architecture.
    pub outcome: SearchOutcome,
    /// The derived architecture: each slot's strongest candidate.
    pub arch: ArchDesc,
    /// The trained supernet.
    pub model: M,
}

impl FunctionalSuperNet {
    /// A search with the registered gradient optimizer `optim` and its `args` (an unknown
    /// name lists the known ones when the search starts): 10 epochs, maximising `acc`, seed
    /// 0; the weights trained by SGD (momentum 0.9, weight decay 3·10⁻⁴) at a constant
    /// learning rate of 0.025, gradients clipped at norm 5, as DARTS does.
    pub fn new(optim: &str, args: toml::Table) -> Self {
        Self {
            optim: optim.to_string(),
            optim_args: args,
            args: SuperNetLoopArgs {
                epochs: 10,
                max_seconds: None,
                grad_clip: 5.0,
                weight_decay: 3e-4,
                objective: "acc".into(),
                seed: 0,
                checkpoint: None,
                recorded: 0,
            },
            maximize: true,
            weights: None,
            schedule: Box::new(0.025),
            callbacks: vec![],
        }
    }

    /// How many epochs to train the supernet.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.args.epochs = epochs;
        self
    }

    /// Stop after the epoch that passes `seconds` of wall-clock time.
    pub fn max_seconds(mut self, seconds: f64) -> Self {
        self.args.max_seconds = Some(seconds);
        self
    }

    /// The metric of `evaluate` each epoch's trial is ranked by, higher better when
    /// `maximize`.
    pub fn objective(mut self, key: &str, maximize: bool) -> Self {
        self.args.objective = key.to_string();
        self.maximize = maximize;
        self
    }

    /// The seed of path sampling and of the steps' randomness.
    pub fn seed(mut self, seed: u64) -> Self {
        self.args.seed = seed;
        self
    }

    /// Global gradient-norm clipping of the weights (0: none).
    pub fn grad_clip(mut self, max_norm: f64) -> Self {
        self.args.grad_clip = max_norm;
        self
    }

    /// The weights' Burn optimizer (`AdamConfig::new().init()` …) and learning-rate
    /// schedule (a constant `f64`, or any of `burn::lr_scheduler`'s), stepped once per weight
    /// step; `weight_decay` is the decay the optimizer applies, which the second-order DARTS
    /// step assumes.
    pub fn weight_optimizer(
        mut self,
        optim: ModuleOptimizer,
        schedule: impl LrScheduler + 'static,
        weight_decay: f64,
    ) -> Self {
        self.weights = Some(optim);
        self.schedule = Box::new(schedule);
        self.args.weight_decay = weight_decay;
        self
    }

    /// Hands the run's events (each epoch's α and trial, checkpoints, the run's start and end)
    /// to the registered callback `name` built with `args`, in the order they are added
    /// (`docs/runs.md`, "Events and callbacks").
    pub fn callback(mut self, name: &str, args: toml::Table) -> Self {
        self.callbacks.push((name.to_string(), args));
        self
    }

    /// The config this run records: the gradient optimizer, epochs, objective, seed and
    /// callbacks.
    pub fn config(&self) -> Result<Config, ModnasError> {
        let mut search = toml::Table::new();
        search.insert("epochs".into(), (self.args.epochs as i64).into());
        if let Some(s) = self.args.max_seconds {
            search.insert("max_seconds".into(), s.into());
        }
        let optim = (self.optim.as_str(), &self.optim_args);
        let objective = (self.args.objective.as_str(), self.maximize);
        let mut cfg = recorded_config(
            FUNCTIONAL_SUPERNET,
            search,
            optim,
            objective,
            self.args.seed,
        )?;
        cfg.callbacks = (self.callbacks.iter())
            .map(|(name, args)| crate::config::Component {
                type_name: name.clone(),
                args: args.clone(),
            })
            .collect();
        Ok(cfg)
    }

    /// Runs the search in `dir` (`mode`: new, overwrite, or resume from the newest of the
    /// checkpoints written after every epoch; the run must be given the same model, data,
    /// optimizers and settings).
    /// `supernet` is the user's model constructed with mixed operators; `data` holds the
    /// batches of the weight steps and of the α steps; `loss(model, batch)` is the
    /// differentiable mean loss both steps minimise; `evaluate(model)` scores the supernet's
    /// inference copy after each epoch and must return the objective.
    pub fn run<M: Module + 'static, B: Clone>(
        mut self,
        dir: &Path,
        mode: RunMode,
        supernet: Constructed<M>,
        data: (&impl Batches<B>, &impl Batches<B>),
        loss: impl Fn(&M, &B) -> Result<Tensor<1>, EstimError>,
        evaluate: impl FnMut(&M) -> Result<MetricMap, EstimError>,
    ) -> Result<SuperNetRun<M>, ModnasError> {
        let cfg = self.config()?;
        let optim = crate::run::search::build_search_optim(&cfg, &supernet.space)?;
        let mut arch_optim = crate::run::paired::Paired::gradient_optim(&cfg, optim)?;
        let (_lock, replay) =
            DirLock::acquire_for(dir, || prepare(dir, &cfg, supernet.space.size(), mode))?;
        self.args.checkpoint = Some(dir.to_path_buf());
        self.args.recorded = replay.len();
        let alphas = supernet.space.tensor_params();
        let mut weights = self
            .weights
            .take()
            .unwrap_or_else(|| WeightOptimKind::Sgd.build(0.9, self.args.weight_decay as f32));
        let batch_loss = LossFn(loss);
        let parts = SuperNetParts {
            alphas: &alphas,
            handles: &supernet.mixed,
            train: data.0,
            valid: data.1,
            loss: &batch_loss,
        };
        let optims = SuperNetOptims {
            arch: arch_optim.as_mut(),
            weights: &mut weights,
            schedule: self.schedule.as_mut(),
        };
        let mut on_trial = |_: &modnas_estim::Trial| {};
        let mut journal = Journal::open(dir, &cfg, replay.len(), vec![], &mut on_trial)?;
        let (model, outcome) = supernet_with(
            supernet.model,
            parts,
            optims,
            &self.args,
            &mut journal,
            evaluate,
        )?;
        write_results(dir, &outcome, None)?;
        journal.finish(&outcome)?;
        let arch = outcome
            .best
            .as_ref()
            .map(|t| t.arch.clone())
            .unwrap_or_default();
        tracing::info!(dir = %dir.display(), epochs = outcome.trials, arch = %arch.summary(), "functional supernet search finished");
        Ok(SuperNetRun {
            dir: dir.to_path_buf(),
            outcome,
            arch,
            model,
        })
    }
}
