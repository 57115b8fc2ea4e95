//! The estimator interface, the search context and the estimator registry.

use super::trial::{AlphaSnapshot, Trial};
use crate::data::DataSplit;
use crate::EstimError;
use burn::tensor::Device;
use modnas_construct::{Constructed, NetBox};
use modnas_core::{lookup, registered_names, MetricMap};
use modnas_metrics::ArchMetric;
use modnas_optim::{ArchOptim, FidelityKind, GradientOptim};
use modnas_param_space::{ArchDesc, ParamSpace};
use serde::Serialize;

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

/// Everything an estimator needs for one search run; `O` is the optimizer of its role (a
/// discrete one by default, `dyn GradientOptim` for a [`SupernetEstim`]).
pub struct SearchContext<'a, O: ?Sized = dyn ArchOptim> {
    /// The search space (what the optimizer proposes over).
    pub space: &'a ParamSpace,
    /// Fresh constructed networks.
    pub builder: &'a NetBuilder<'a>,
    /// The search algorithm: the discrete optimizer whose proposals the search loop
    /// evaluates, or the gradient optimizer a supernet estimator steps α with.
    pub optim: &'a mut O,
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

/// What every estimator (paper, Appendix C.3) tells before its run, whatever its role: what
/// it needs, whether it resumes, whether it searches a registered task. The work itself is its
/// role's: a [`TrialEstim`] or a [`SupernetEstim`], which the registry hands out as an
/// [`Estimator`].
pub trait Estim {
    /// Whether the estimator builds networks (false for table lookups, which need only a
    /// parameter space).
    fn needs_model(&self) -> bool {
        true
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
}

/// The refusal of a `[task]` by an estimator that does not search one.
fn no_task<E: Estim + ?Sized>(estim: &E) -> EstimError {
    match estim.check_task() {
        Err(e) => e,
        Ok(()) => EstimError::InvalidArgs {
            component: "estimator".into(),
            reason: "does not search a `[task]`".into(),
        },
    }
}

/// An estimator that evaluates the architectures a discrete optimizer
/// ([`ArchOptim`]) proposes, one trial at a time, driven by the search loop: `SubNetEstim`,
/// `TabularEstim`, `PredictorEstim`, `HPTuneEstim`, `DefaultEstim` (one architecture), and
/// `SPOSEstim`, `CARSEstim` and `ProgressiveShrinkingEstim`, which score the sub-networks of
/// the supernet they train.
pub trait TrialEstim: Estim {
    /// Runs the search on `ctx`, whose optimizer proposes the trials.
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError>;

    /// Runs the search on a registered task (`[task]` of a config: the user's model,
    /// batches, loss and metrics), after [`check_task`](Estim::check_task). The default
    /// refuses as `check_task` does.
    fn run_task(&mut self, _ctx: &mut crate::TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        Err(no_task(self))
    }

    /// The fidelities the estimator's trials honour: [`FidelityKind::Epochs`] when they train
    /// epoch by epoch and report each epoch (a `[pruner]` can then stop them, and an
    /// optimizer choose their epochs), [`FidelityKind::DataFraction`] when they can train on a
    /// share of the data. None by default.
    fn fidelities(&self) -> &'static [FidelityKind] {
        &[]
    }

    /// Whether trials can be evaluated one at a time by worker processes
    /// ([`TrialEstim::evaluate_trial`]), for distributed runs.
    fn distributable(&self) -> bool {
        false
    }

    /// Evaluates trial `index` of architecture `arch` on its own, as a worker does; the same
    /// evaluation [`TrialEstim::run`] performs for that trial.
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

/// An estimator that trains a supernet — its weights and the architecture weights α of its
/// mixed operators, which a gradient optimizer ([`GradientOptim`]: DARTS, GDAS, SNAS …) steps
/// — and derives the architecture from α: `SuperNetEstim`.
pub trait SupernetEstim: Estim {
    /// Runs the search on `ctx`, whose optimizer steps α.
    fn run(
        &mut self,
        ctx: &mut SearchContext<'_, dyn GradientOptim>,
    ) -> Result<SearchOutcome, EstimError>;

    /// Runs the search on a registered task, after [`check_task`](Estim::check_task). The
    /// default refuses as `check_task` does.
    fn run_task(
        &mut self,
        _ctx: &mut crate::TaskContext<'_, dyn GradientOptim>,
    ) -> Result<SearchOutcome, EstimError> {
        Err(no_task(self))
    }
}

/// A registered estimator, by its role: which kind of optimizer drives it is its type, so a
/// search pairs the two before it starts (a wrong pairing is one config error naming what
/// fits), and no estimator checks its optimizer's kind at run time.
pub enum Estimator {
    /// Evaluates the proposals of a discrete optimizer.
    Trials(Box<dyn TrialEstim>),
    /// Trains a supernet whose α a gradient optimizer steps.
    Supernet(Box<dyn SupernetEstim>),
}

impl Estimator {
    /// What every estimator tells, whatever its role.
    pub fn estim(&self) -> &dyn Estim {
        match self {
            Estimator::Trials(e) => e.as_ref(),
            Estimator::Supernet(e) => e.as_ref(),
        }
    }

    /// The trial estimator, if this is one.
    pub fn trials(&self) -> Option<&dyn TrialEstim> {
        match self {
            Estimator::Trials(e) => Some(e.as_ref()),
            Estimator::Supernet(_) => None,
        }
    }

    /// The trial estimator, for code that runs one with a discrete optimizer; a supernet
    /// estimator is refused.
    pub fn into_trials(self) -> Result<Box<dyn TrialEstim>, EstimError> {
        match self {
            Estimator::Trials(e) => Ok(e),
            Estimator::Supernet(_) => Err(EstimError::InvalidArgs {
                component: "estimator".into(),
                reason: "is a supernet estimator, driven by a gradient optimizer of α; a \
                         discrete optimizer's proposals are evaluated by a trial estimator \
                         (SubNetEstim …)"
                    .into(),
            }),
        }
    }

    /// The supernet estimator, for code that runs one with a gradient optimizer; a trial
    /// estimator is refused.
    pub fn into_supernet(self) -> Result<Box<dyn SupernetEstim>, EstimError> {
        match self {
            Estimator::Supernet(e) => Ok(e),
            Estimator::Trials(_) => Err(EstimError::InvalidArgs {
                component: "estimator".into(),
                reason: "evaluates the proposals of a discrete optimizer; α is trained by a \
                         supernet estimator (SuperNetEstim)"
                    .into(),
            }),
        }
    }
}

/// Builds an estimator from TOML arguments.
pub type EstimBuildFn = fn(&toml::Table) -> Result<Estimator, EstimError>;

modnas_core::registry_entry!(
    /// A registered estimator.
    EstimEntry, "estimator", EstimBuildFn
);

/// Registers an estimator: its doc comment (what `modnas list --detail` says of it), its name
/// and a closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the estimator) to an [`Estimator`] of its role. A
/// searching estimator takes [`WithSearch<T>`](crate::WithSearch): its own keys `T` and the
/// shared search keys.
///
/// ```
/// use modnas_estim::{
///     register_estim, search_loop, Estim, EstimError, Estimator, SearchArgs, SearchContext,
///     SearchOutcome, TrialEstim, WithSearch,
/// };
/// use modnas_core::NoArgs;
/// use modnas_core::MetricMap;
///
/// /// Scores each proposal without a network: how many of its values are `NC3`.
/// struct CountEstim(SearchArgs);
///
/// impl Estim for CountEstim {
///     fn needs_model(&self) -> bool {
///         false
///     }
/// }
///
/// impl TrialEstim for CountEstim {
///     fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
///         search_loop(ctx, &self.0, |_, arch, _| {
///             let n = arch.iter().filter(|(_, v)| v.as_str() == Some("NC3")).count();
///             Ok(MetricMap::from([("acc".to_string(), n as f64)]))
///         })
///     }
/// }
///
/// register_estim!(
///     /// scores each architecture by its count of `NC3`; 10 trials by default
///     "CountEstim", |args: crate::WithSearch<NoArgs>| {
///         Ok(Estimator::Trials(Box::new(CountEstim(args.shared.search_args(10)))))
///     }
/// );
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! register_estim {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::EstimEntry, $crate::parse_args; $($t)*);
    };
}

/// Builds the estimator registered as `name`.
pub fn build_estim(name: &str, args: &toml::Table) -> Result<Estimator, EstimError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn build(name: &str, args: &str) -> Estimator {
        build_estim(name, &toml::from_str(args).unwrap()).unwrap()
    }

    #[test]
    fn the_registry_hands_out_each_estimator_in_its_role() {
        let subnet = build("SubNetEstim", "epochs = 1");
        assert!(subnet.trials().is_some_and(|e| e.distributable()));
        assert!(subnet.estim().resumable());
        let err = subnet.into_supernet().err().unwrap().to_string();
        assert!(
            err.contains("discrete optimizer") && err.contains("SuperNetEstim"),
            "{err}"
        );
        let supernet = build("SuperNetEstim", "epochs = 1");
        assert!(supernet.trials().is_none());
        let err = supernet.into_trials().err().unwrap().to_string();
        assert!(err.contains("gradient optimizer"), "{err}");
        assert!(build("SuperNetEstim", "epochs = 1").into_supernet().is_ok());
        let hptune = build("HPTuneEstim", "command = [\"true\"]");
        assert!(!hptune.estim().needs_model());
        assert!(hptune.into_trials().is_ok());
    }
}
