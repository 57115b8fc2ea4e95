//! The estimator interface, the search context and the estimator registry.

use crate::data::DataSplit;
use crate::EstimError;
use burn::tensor::Device;
use indexmap::IndexMap;
use modnas_construct::{Constructed, NetBox};
use modnas_metrics::ArchMetric;
use modnas_optim::SearchOptim;
use modnas_param_space::{lookup, registered_names, ArchDesc, MetricMap, ParamSpace};
use serde::{Deserialize, Deserializer, Serialize};

/// One evaluated architecture: a line of the run's journal (`trials.jsonl`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based index in the run.
    pub index: usize,
    /// The architecture.
    pub arch: ArchDesc,
    /// Its metrics (`acc`, `loss`, `params`, `flops`...). JSON has no NaN: a NaN is written as
    /// `null` and read back as NaN.
    #[serde(deserialize_with = "metrics_with_nan")]
    pub metrics: MetricMap,
    /// Wall-clock seconds spent evaluating it.
    pub seconds: f64,
    /// Why the trial failed (its model failed, or its loss became NaN/inf): the objective is
    /// then NaN, which optimizers rank worst and the best trial never is. `None` for a trial
    /// that succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Epochs the trial trained, when its training reported them (compute accounting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// The objective after each reported epoch, oriented so that higher is better (the
    /// learning curve pruners judged; a resumed run gives it back to its pruner).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "curve_with_nan"
    )]
    pub curve: Vec<f64>,
    /// Why a pruner stopped the trial: its metrics are then those of its last epoch. A pruned
    /// trial is not a failure; the optimizer learns from it, and it is never the best.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned: Option<String>,
    /// The share of the training data the trial trained on, when its optimizer chose a data
    /// fraction (`HyperbandOptim` with `fidelity = "data_fraction"`); `None`: all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_fraction: Option<f64>,
}

impl Trial {
    /// The compute the trial spent, in epochs over all the training data: its epochs times
    /// its [data fraction](Self::data_fraction); 0 when it reported no epochs.
    ///
    /// ```
    /// use modnas_estim::Trial;
    /// let t = Trial { epochs: Some(6), data_fraction: Some(0.5), ..Trial::default() };
    /// assert_eq!(t.compute_epochs(), 3.0);
    /// ```
    pub fn compute_epochs(&self) -> f64 {
        self.epochs.unwrap_or(0) as f64 * self.data_fraction.unwrap_or(1.0)
    }
}

pub(crate) fn metrics_with_nan<'de, D: Deserializer<'de>>(d: D) -> Result<MetricMap, D::Error> {
    let raw = IndexMap::<String, Option<f64>>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

fn curve_with_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let raw = Vec::<Option<f64>>::deserialize(d)?;
    Ok(raw.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// The softmax weights of every tensor parameter (α) after an epoch of supernet training:
/// parameter name → candidate name → weight.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlphaSnapshot {
    /// 0-based epoch.
    pub epoch: usize,
    /// Weights per parameter, in space order.
    pub params: IndexMap<String, IndexMap<String, f64>>,
}

/// Receives every trial as soon as it is evaluated, before the optimizer learns from it.
pub trait TrialObserver {
    /// Called when the search loop proposes trial `index` (not for trials a resumed run
    /// replays), before it is evaluated; an error stops the search.
    fn on_proposed(&mut self, _index: usize, _arch: &ArchDesc) -> Result<(), EstimError> {
        Ok(())
    }

    /// Called once per trial; an error stops the search.
    fn on_trial(&mut self, trial: &Trial) -> Result<(), EstimError>;

    /// Where the events of trials in training (started, epochs reported) go: the run's
    /// callbacks; `None` (the default) when nothing listens.
    fn event_sink(&self) -> Option<crate::EventSink> {
        None
    }

    /// Called after each epoch of a supernet search with the architecture weights.
    fn on_alphas(&mut self, _alphas: &AlphaSnapshot) -> Result<(), EstimError> {
        Ok(())
    }
}

/// Builds a fresh constructed network (new weights) on the training device, its slots filled
/// as the architecture chooses (`modnas_construct::construct_as`; an empty one for supernets and
/// defaults), so that each trial builds its candidates once.
pub type NetBuilder<'a> = dyn Fn(&ArchDesc) -> Result<Constructed<NetBox>, EstimError> + 'a;

/// Runs a whole modnas config as a nested run (an `HPTuneEstim` trial): the config file, its
/// overrides (`key.path=value`) and the run directory; returns the best trial's metrics. The
/// facade provides it, since building components from a config is the facade's job.
/// An [`EstimError::InvalidArgs`] means the config itself is wrong (every trial would fail);
/// any other error fails this trial only.
pub type ConfigRunner<'a> =
    dyn Fn(&std::path::Path, &[String], &std::path::Path) -> Result<MetricMap, EstimError> + 'a;

/// Everything an estimator needs for one search run.
pub struct SearchContext<'a> {
    /// The search space (what the optimizer proposes over).
    pub space: &'a ParamSpace,
    /// Fresh constructed networks.
    pub builder: &'a NetBuilder<'a>,
    /// The search algorithm: a discrete one for the search loop, a gradient one for supernet
    /// estimators.
    pub optim: &'a mut SearchOptim,
    /// Train/valid data.
    pub data: &'a DataSplit,
    /// Trains and evaluates each trial's network (`[trainer]` of the config): the
    /// [`ImageClsTrainer`](crate::ImageClsTrainer) or a registered
    /// [`TrialTrainer`](crate::TrialTrainer).
    pub trainer: &'a dyn crate::TrialTrainer,
    /// Metrics computed for every trial.
    pub metrics: &'a [Box<dyn ArchMetric>],
    /// The training device (with autodiff).
    pub device: &'a Device,
    /// The run's seed.
    pub seed: u64,
    /// Where trials go.
    pub observer: &'a mut dyn TrialObserver,
    /// Trials an interrupted run already recorded, in order: a resumable estimator replays
    /// them into the optimizer instead of evaluating them again (empty for a new run).
    pub replay: &'a [Trial],
    /// The run directory, where estimators write checkpoints (supernets) and trained models
    /// (`DefaultEstim`); `None` writes neither.
    pub run_dir: Option<&'a std::path::Path>,
    /// Runs nested configs (`HPTuneEstim` with `config`); `None` where no facade is present.
    pub run_config: Option<&'a ConfigRunner<'a>>,
    /// Where a distributed run sends its trials (worker processes evaluate them); `None`
    /// evaluates every trial in this process.
    pub dispatch: Option<&'a mut dyn super::TrialDispatch>,
    /// The run's pruner (`[pruner]`), which stops trials whose reported epochs fall behind;
    /// the search loop takes it. `None`: every trial trains all its epochs.
    pub pruning: Option<crate::Pruning>,
}

/// Why a search stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The trial budget was used.
    TrialBudget,
    /// The time budget was used.
    TimeBudget,
    /// The epoch budget (`max_epochs`) was used.
    EpochBudget,
    /// The optimizer had nothing more to propose.
    Exhausted,
    /// The optimizer proposed only architectures the run had evaluated, many times in a row
    /// (its space is used up, or its policy collapsed).
    OnlyRepeats,
    /// The estimator evaluates a single architecture.
    Done,
}

/// The result of a search run.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchOutcome {
    /// The best trial by the objective.
    pub best: Option<Trial>,
    /// Number of evaluated trials (failed ones included).
    pub trials: usize,
    /// How many of them failed.
    pub failed: usize,
    /// Proposals of architectures the run had already evaluated, answered from their records
    /// (not in `trials`, and not spending the budget).
    pub repeats: usize,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// An estimation strategy (paper, Appendix C.3): it evaluates architectures and drives the loop.
pub trait Estim {
    /// Whether the estimator builds networks (false for table lookups, which need only a
    /// parameter space).
    fn needs_model(&self) -> bool {
        true
    }

    /// Whether the estimator drives a gradient optimizer of tensor parameters (supernet
    /// estimators) rather than a discrete one.
    fn needs_gradient_optim(&self) -> bool {
        false
    }

    /// Whether the estimator can resume an interrupted run from its recorded trials
    /// ([`SearchContext::replay`]).
    fn resumable(&self) -> bool {
        false
    }

    /// Checks what the estimator will need from the search space and the file system (an
    /// architecture file, a nested config) before the run directory is written, so a bad
    /// input leaves nothing behind.
    fn check(&self, _space: &ParamSpace) -> Result<(), EstimError> {
        Ok(())
    }

    /// Runs the estimator on `ctx`.
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError>;

    /// Checks, before the run directory is written, that the estimator searches a
    /// registered task as configured (its arguments that apply to image models only are
    /// refused here). The default refuses: the estimator searches `[model]`s only.
    fn check_task(&self) -> Result<(), EstimError> {
        Err(EstimError::InvalidArgs {
            component: "estimator".into(),
            reason: "searches the image models of `[model]` only; a `[task]` is searched by \
                     SubNetEstim, SuperNetEstim, SPOSEstim, CARSEstim, \
                     ProgressiveShrinkingEstim or DefaultEstim"
                .into(),
        })
    }

    /// Runs the estimator on a registered task (`[task]` of a config: the user's model,
    /// batches, loss and metrics), after [`check_task`](Self::check_task). `SubNetEstim`,
    /// `SuperNetEstim`, `SPOSEstim`, `CARSEstim`, `ProgressiveShrinkingEstim` and
    /// `DefaultEstim` do; the default refuses as `check_task` does.
    fn run_task(&mut self, _ctx: &mut crate::TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        self.check_task()?;
        Err(EstimError::InvalidArgs {
            component: "estimator".into(),
            reason: "does not search a `[task]`".into(),
        })
    }

    /// The fidelities the estimator's trials honour: [`FidelityKind::Epochs`] when they train
    /// epoch by epoch and report each epoch (a `[pruner]` can then stop them, and an
    /// optimizer choose their epochs), [`FidelityKind::DataFraction`] when they can train on a
    /// share of the data. None by default.
    ///
    /// [`FidelityKind::Epochs`]: modnas_optim::FidelityKind::Epochs
    /// [`FidelityKind::DataFraction`]: modnas_optim::FidelityKind::DataFraction
    fn fidelities(&self) -> &'static [modnas_optim::FidelityKind] {
        &[]
    }

    /// Whether trials can be evaluated one at a time by worker processes
    /// ([`Estim::evaluate_trial`]), for distributed runs.
    fn distributable(&self) -> bool {
        false
    }

    /// Evaluates trial `index` of architecture `arch` on its own, as a worker does; the same
    /// evaluation [`Estim::run`] performs for that trial.
    /// A trial that trains reports each epoch to `reporter` (the run's callbacks see the
    /// reports, its pruner judges them).
    fn evaluate_trial(
        &self,
        _ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        index: usize,
        _reporter: &mut crate::TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError> {
        Err(EstimError::InvalidArgs {
            component: "estimator".into(),
            reason: format!(
                "this estimator does not evaluate single trials (trial {index}, {})",
                arch.summary()
            ),
        })
    }
}

/// Builds an estimator from TOML arguments.
pub type EstimBuildFn = fn(&toml::Table) -> Result<Box<dyn Estim>, EstimError>;

modnas_param_space::registry_entry!(
    /// A registered estimator.
    EstimEntry, "estimator", EstimBuildFn
);

/// Registers an estimator constructor under a name.
#[macro_export]
macro_rules! register_estim {
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::EstimEntry::new($name, $build) }
    };
}

/// Builds the estimator registered as `name`.
pub fn build_estim(name: &str, args: &toml::Table) -> Result<Box<dyn Estim>, EstimError> {
    (lookup::<EstimEntry>(name)?.build)(args)
}

/// Names of all registered estimators, sorted.
pub fn estim_names() -> Vec<&'static str> {
    registered_names::<EstimEntry>()
}

/// Trains a fresh network with `arch` applied for `epochs`, evaluates it on the validation
/// split and computes the context's metrics. The weights are seeded with `seed`.
pub fn train_and_evaluate(
    ctx: &SearchContext<'_>,
    arch: Option<&ArchDesc>,
    epochs: usize,
    seed: u64,
    reporter: &mut crate::TrialReporter<'_>,
) -> Result<MetricMap, EstimError> {
    train_and_evaluate_net(ctx, arch, epochs, seed, reporter).map(|(metrics, _)| metrics)
}

/// [`train_and_evaluate`], also returning the trained network.
pub fn train_and_evaluate_net(
    ctx: &SearchContext<'_>,
    arch: Option<&ArchDesc>,
    epochs: usize,
    seed: u64,
    reporter: &mut crate::TrialReporter<'_>,
) -> Result<(MetricMap, NetBox), EstimError> {
    ctx.device.seed(seed);
    let empty = ArchDesc::new();
    let arch = arch.unwrap_or(&empty);
    // Built in its architecture: applying it only checks it.
    let mut c = (ctx.builder)(arch)?;
    c.apply(arch)?;
    // With a pruner, each epoch is scored as the trial's end will be.
    let valid = |net: &NetBox| ctx.trainer.evaluate(net, &ctx.data.valid, ctx.device);
    // A data fraction (the optimizer's choice) trains on the first share of the images.
    let share = reporter.data_fraction().map(|_| {
        let kept: Vec<usize> = (0..reporter.share_of(ctx.data.train.len())).collect();
        ctx.data.train.subset(&kept)
    });
    let train = share.as_ref().unwrap_or(&ctx.data.train);
    let mut reporting = reporter.validating(valid);
    let (net, train_loss) =
        ctx.trainer
            .train(c.model, train, epochs, ctx.device, seed, &mut reporting)?;
    let evaluated = ctx.trainer.evaluate(&net, &ctx.data.valid, ctx.device)?;
    let metrics = with_network_metrics(
        &net,
        evaluated,
        Some(train_loss),
        ctx.metrics,
        ctx.data.train.shape,
    )?;
    Ok((metrics, net))
}

/// `metrics` (a trainer's), with `train_loss` when given and each metric of `extra` computed
/// on `net` for one input of `shape`.
pub(crate) fn with_network_metrics(
    net: &NetBox,
    mut metrics: MetricMap,
    train_loss: Option<f64>,
    extra: &[Box<dyn ArchMetric>],
    [ch, h, w]: [usize; 3],
) -> Result<MetricMap, EstimError> {
    if let Some(loss) = train_loss {
        metrics.insert("train_loss".into(), loss);
    }
    for m in extra {
        metrics.insert(m.key().to_string(), m.compute(net, &[1, ch, h, w])?);
    }
    Ok(metrics)
}
