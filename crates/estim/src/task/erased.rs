//! [`ErasedTask`]: what the estimators ask of a registered [`Task`], its model and batch
//! types erased, so one registry holds every task and an estimator built from TOML drives
//! any of them. Every [`Task`] is one; the work is done in the task's own types.

use super::batch_share::BatchShare;
use super::one_shot::PathSchedule;
use super::task::Task;
use crate::estim::{
    supernet_with, Batches, SearchArgs, SearchOutcome, SuperNetLoopArgs, SuperNetOptims,
    SuperNetParts, Trial, TrialObserver,
};
use crate::{EstimError, LossFn, TrialReporter};
use burn::module::Module;
use burn::tensor::Device;
use modnas_construct::{construct, CandidateSets};
use modnas_core::MetricMap;
use modnas_optim::{ArchOptim, GradientOptim};
use modnas_param_space::{ArchDesc, ParamSpace};

/// Where a task's models are built: the candidate sets of its slots and the training device.
#[derive(Clone, Copy)]
pub struct TaskRun<'a> {
    /// The candidates of the slots (`[construct.args]`).
    pub sets: &'a CandidateSets,
    /// The training device (with autodiff).
    pub device: &'a Device,
}

/// A registered task as the estimators see it.
pub trait ErasedTask: Send + Sync {
    /// The search space of the task's model constructed with `sets`.
    fn space(&self, run: TaskRun<'_>) -> Result<ParamSpace, EstimError>;

    /// The keys of the task's metrics: its `evaluate` on the untrained model (constructed
    /// with `run.sets`) and the validation batches, with `params` and `train_loss`; a search
    /// checks its objective against them before it trains anything.
    fn metric_keys(&self, run: TaskRun<'_>, seed: u64) -> Result<Vec<String>, EstimError>;

    /// Builds the model of `arch` (weights seeded with `seed`), trains it for `epochs` and
    /// scores it: the task's metrics, `train_loss` and `params`; each epoch goes to
    /// `reporter` (scored on the validation batches when the run has a pruner).
    fn train_and_evaluate(
        &self,
        run: TaskRun<'_>,
        arch: &ArchDesc,
        epochs: usize,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError>;

    /// [`train_and_evaluate`](Self::train_and_evaluate), and the trained model's metrics on
    /// the task's test batches (`test_*` keys) when it has some: the final training of a
    /// derived architecture (`DefaultEstim`).
    fn train_and_test(
        &self,
        run: TaskRun<'_>,
        arch: &ArchDesc,
        epochs: usize,
        seed: u64,
    ) -> Result<MetricMap, EstimError>;

    /// One-shot search (SPOS, CARS, progressive shrinking, by `shot.schedule`): trains the
    /// task's model as a supernet, each training batch through one sampled path, then
    /// searches its sub-networks with `shot.optim`, each scored with the inherited weights.
    fn one_shot(&self, run: TaskRun<'_>, shot: OneShotRun<'_>)
        -> Result<SearchOutcome, EstimError>;

    /// Trains the task's model as a supernet (its slots mixed operators, `run.sets` naming
    /// one) with `optim` on α and the task's optimizer on the weights, one trial per epoch.
    fn supernet(
        &self,
        run: TaskRun<'_>,
        optim: &mut dyn GradientOptim,
        args: &SuperNetLoopArgs,
        observer: &mut dyn TrialObserver,
    ) -> Result<SearchOutcome, EstimError>;
}

impl<T: Task> ErasedTask for T {
    fn space(&self, run: TaskRun<'_>) -> Result<ParamSpace, EstimError> {
        Ok(construct(self.model(run.device)?, run.sets, run.device)?.space)
    }

    fn metric_keys(&self, run: TaskRun<'_>, seed: u64) -> Result<Vec<String>, EstimError> {
        let c = construct(self.model(run.device)?, run.sets, run.device)?;
        let mut keys: Vec<String> = score(self, &c.model, run.device, seed)?
            .into_keys()
            .collect();
        keys.push("train_loss".into());
        Ok(keys)
    }

    fn train_and_evaluate(
        &self,
        run: TaskRun<'_>,
        arch: &ArchDesc,
        epochs: usize,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError> {
        trained(self, run, arch, (epochs, seed), reporter).map(|(metrics, _)| metrics)
    }

    fn train_and_test(
        &self,
        run: TaskRun<'_>,
        arch: &ArchDesc,
        epochs: usize,
        seed: u64,
    ) -> Result<MetricMap, EstimError> {
        let mut reporter = TrialReporter::silent(0);
        let (mut metrics, model) = trained(self, run, arch, (epochs, seed), &mut reporter)?;
        if let Some(test) = self.data(&run.device.clone().inner(), seed)?.test {
            for (key, value) in self.evaluate(&model.valid(), test.as_ref())? {
                metrics.insert(format!("test_{key}"), value);
            }
        }
        Ok(metrics)
    }

    fn one_shot(
        &self,
        run: TaskRun<'_>,
        shot: OneShotRun<'_>,
    ) -> Result<SearchOutcome, EstimError> {
        super::one_shot::one_shot(self, run, shot)
    }

    fn supernet(
        &self,
        run: TaskRun<'_>,
        optim: &mut dyn GradientOptim,
        args: &SuperNetLoopArgs,
        observer: &mut dyn TrialObserver,
    ) -> Result<SearchOutcome, EstimError> {
        run.device.seed(args.seed);
        let c = construct(self.model(run.device)?, run.sets, run.device)?;
        let data = self.data(run.device, args.seed)?;
        let scoring = self.data(&run.device.clone().inner(), args.seed)?.valid;
        let alphas = c.space.tensor_params();
        let loss = LossFn(|m: &T::Model, b: &T::Batch| self.loss(m, b));
        let parts = SuperNetParts {
            alphas: &alphas,
            handles: &c.mixed,
            train: data.train.as_ref(),
            valid: data.valid.as_ref(),
            loss: &loss,
        };
        let (mut weights, lr) = self.optimizer();
        let mut schedule = lr;
        let optims = SuperNetOptims {
            arch: optim,
            weights: &mut weights,
            schedule: &mut schedule,
        };
        let evaluate = |m: &T::Model| with_params(self.evaluate(m, scoring.as_ref()), m);
        supernet_with(c.model, parts, optims, args, observer, evaluate).map(|(_, outcome)| outcome)
    }
}

/// The model of `arch` trained for `epochs`, with its metrics: the task's on the validation
/// batches, `train_loss` and `params`.
fn trained<T: Task>(
    task: &T,
    run: TaskRun<'_>,
    arch: &ArchDesc,
    (epochs, seed): (usize, u64),
    reporter: &mut TrialReporter<'_>,
) -> Result<(MetricMap, T::Model), EstimError> {
    run.device.seed(seed);
    reporter.set_seed(seed);
    let mut c = construct(task.model(run.device)?, run.sets, run.device)?;
    // Values of the space that are not slots (`[space.params]`) are the task's to read.
    c.apply_known(arch)?;
    let train = task.data(run.device, seed)?.train;
    // Epochs are scored (when a pruner asks) on validation batches loaded once.
    let mut valid: Option<Box<dyn Batches<T::Batch>>> = None;
    let validate = |m: &T::Model| {
        let batches = match valid.take() {
            Some(v) => v,
            None => task.data(&run.device.clone().inner(), seed)?.valid,
        };
        let metrics = task.evaluate(&m.valid(), batches.as_ref());
        valid = Some(batches);
        metrics
    };
    // A data fraction (the optimizer's choice) trains on a share of the batches.
    let share = BatchShare::of(train.as_ref(), reporter);
    let train: &dyn Batches<T::Batch> = match &share {
        Some(share) => share,
        None => train.as_ref(),
    };
    let mut reporting = reporter.validating(validate);
    let (model, train_loss) = task.train(c.model, train, epochs, &mut reporting)?;
    let mut metrics = score(task, &model, run.device, seed)?;
    metrics.insert("train_loss".into(), train_loss);
    Ok((metrics, model))
}

/// What a one-shot search of a task needs besides the task.
pub struct OneShotRun<'a> {
    /// The estimator, named in errors.
    pub component: &'static str,
    /// Which paths the supernet trains on.
    pub schedule: PathSchedule,
    /// The discrete search algorithm over the supernet's sub-networks.
    pub optim: &'a mut dyn ArchOptim,
    /// Where trials go.
    pub observer: &'a mut dyn TrialObserver,
    /// Trials an interrupted run already recorded.
    pub replay: &'a [Trial],
    /// The trial budget and objective.
    pub search: &'a SearchArgs,
    /// Epochs of single-path supernet training before the search (CARS: the warm-up;
    /// progressive shrinking counts its stages' epochs instead).
    pub epochs: usize,
    /// Whether each sub-network's batch-norm statistics are recomputed on a training batch
    /// before it is scored.
    pub recalibrate: bool,
    /// The run's seed.
    pub seed: u64,
    /// The run directory: the supernet is checkpointed there after every epoch and resumed
    /// from its newest checkpoint.
    pub run_dir: Option<&'a std::path::Path>,
}

/// The task's metrics of `model`'s inference copy on validation batches read on the plain
/// device, with `params`.
fn score<T: Task>(
    task: &T,
    model: &T::Model,
    device: &Device,
    seed: u64,
) -> Result<MetricMap, EstimError> {
    let valid: Box<dyn Batches<T::Batch>> = task.data(&device.clone().inner(), seed)?.valid;
    let model = model.valid();
    with_params(task.evaluate(&model, valid.as_ref()), &model)
}

pub(super) fn with_params<M: Module>(
    metrics: Result<MetricMap, EstimError>,
    model: &M,
) -> Result<MetricMap, EstimError> {
    let mut metrics = metrics?;
    metrics
        .entry("params".to_string())
        .or_insert(model.num_params() as f64);
    Ok(metrics)
}
