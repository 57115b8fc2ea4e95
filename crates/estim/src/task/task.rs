//! [`Task`]: a search task of the user's own — their model with its slots, their data as
//! batches of their own type, their loss and metrics — registered by name with
//! [`register_task!`](crate::register_task) and chosen in TOML (`[task] type = "…"`, its
//! `args` deserialized into the task type). The estimators then search it as they search an
//! image classifier: `SubNetEstim` trains every proposed architecture from scratch through
//! [`Task::train`], `SuperNetEstim` runs DARTS and the other gradient methods over the task's
//! batches and loss, `SPOSEstim`, `CARSEstim` and `ProgressiveShrinkingEstim` train it as a
//! one-shot supernet and score its sub-networks, and `DefaultEstim` retrains a found
//! architecture.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::Slot;
//! use modnas_estim::{register_task, Batches, EstimError, Task, TaskData};
//! use modnas_core::MetricMap;
//!
//! #[derive(Module, Debug)]
//! struct Net { act: Slot } // a dense slot
//!
//! #[derive(Clone)]
//! struct Batch { x: Tensor<2>, y: Tensor<2> }
//!
//! /// `y = |x|`, fitted through the slot alone.
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct AbsTask {
//!     /// Rows of the data.
//!     rows: usize,
//! }
//!
//! impl Task for AbsTask {
//!     type Model = Net;
//!     type Batch = Batch;
//!     fn model(&self, _device: &Device) -> Result<Net, EstimError> {
//!         Ok(Net { act: Slot::dense(4, 4) })
//!     }
//!     fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Batch>, EstimError> {
//!         let x = Tensor::<1, burn::tensor::Int>::arange(0..(4 * self.rows) as i64, device)
//!             .float()
//!             .reshape([self.rows, 4])
//!             - 5.0;
//!         let batches = vec![Batch { y: x.clone().abs(), x }];
//!         Ok(TaskData::new(batches.clone(), batches))
//!     }
//!     fn loss(&self, net: &Net, b: &Batch) -> Result<Tensor<1>, EstimError> {
//!         let d = net.act.forward_dense(b.x.clone()) - b.y.clone();
//!         Ok((d.clone() * d).mean())
//!     }
//!     fn evaluate(&self, net: &Net, valid: &dyn Batches<Batch>) -> Result<MetricMap, EstimError> {
//!         let mut sum = 0.0;
//!         for b in valid.epoch() {
//!             sum += self.loss(net, &b?)?.into_scalar::<f64>();
//!         }
//!         Ok(MetricMap::from([("mse".to_string(), sum)]))
//!     }
//! }
//! register_task!(
//!     /// `y = |x|` from `x`
//!     "AbsTask", AbsTask
//! );
//! # fn main() {}
//! ```

use crate::epoch_loss::EpochLoss;
use crate::estim::Batches;
use crate::{EstimError, TrialReporter};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use modnas_construct::ChannelOrder;
use modnas_core::MetricMap;

/// A search task of the user's own: its model with slots, its batches, loss and metrics, registered
/// with [`register_task!`](crate::register_task) (`docs/own-task.md` walks through one).
pub trait Task: Send + Sync + 'static {
    /// The user's model: a Burn module with `Slot`s where layers are searched.
    type Model: Module + 'static;
    /// One batch of the user's data: any inputs (several tensors, masks), any targets.
    type Batch: Clone + 'static;

    /// The model on `device`, its slots empty (the construct routine fills them).
    fn model(&self, device: &Device) -> Result<Self::Model, EstimError>;

    /// The training and validation batches on `device`, the training ones shuffled with
    /// `seed`. It is asked for once on the training device (autodiff: training, and the α
    /// steps of bi-level search on the validation batches) and once on its inner device
    /// (scoring).
    fn data(&self, device: &Device, seed: u64) -> Result<TaskData<Self::Batch>, EstimError>;

    /// The differentiable mean loss of `model` on one batch.
    fn loss(&self, model: &Self::Model, batch: &Self::Batch) -> Result<Tensor<1>, EstimError>;

    /// The metrics of `model` (its inference copy, `Module::valid`) on the validation
    /// batches; they must hold the search's objective.
    fn evaluate(
        &self,
        model: &Self::Model,
        valid: &dyn Batches<Self::Batch>,
    ) -> Result<MetricMap, EstimError>;

    /// The weights' Burn optimizer and learning rate, for training and for supernets; by
    /// default Adam at 10⁻³.
    fn optimizer(&self) -> (ModuleOptimizer, f64) {
        (AdamConfig::new().init(), 1e-3)
    }

    /// Reorders the channels of the model's elastic layers by importance, so that narrower
    /// sub-networks keep the important ones; progressive shrinking calls it when each stage
    /// after the first starts. By default nothing is reordered; a model of elastic layers
    /// calls their `reorder`/`reorder_by_next` here.
    fn reorder_channels(&self, _model: &mut Self::Model, _by: ChannelOrder) {}

    /// Trains `model` for `epochs` over `train`; returns it with the mean loss of its last
    /// epoch. By default, [`fit`] with [`optimizer`](Self::optimizer) and
    /// [`loss`](Self::loss); a task with a loop of its own overrides it, and calls
    /// `reporter.epoch_end(epoch, train_loss, &model)?` after each epoch (from 1) so that the
    /// run's callbacks see its progress and its pruner can stop it.
    fn train(
        &self,
        model: Self::Model,
        train: &dyn Batches<Self::Batch>,
        epochs: usize,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(Self::Model, f64), EstimError> {
        let (mut optim, lr) = self.optimizer();
        let loss = |m: &Self::Model, b: &Self::Batch| self.loss(m, b);
        fit(model, train, epochs, (&mut optim, lr), loss, reporter)
    }
}

/// The batches of a task: training and validation, each a Burn `DataLoader` or a vector.
pub struct TaskData<B> {
    /// The batches of the weight steps.
    pub train: Box<dyn Batches<B>>,
    /// The batches that score a model (and fit α in bi-level supernet search).
    pub valid: Box<dyn Batches<B>>,
    /// Batches held out of the search, scored only by the final training (`DefaultEstim`
    /// reports their metrics as `test_*`); none by default.
    pub test: Option<Box<dyn Batches<B>>>,
}

impl<B> TaskData<B> {
    /// The task's `train` and `valid` batches.
    pub fn new(train: impl Batches<B> + 'static, valid: impl Batches<B> + 'static) -> Self {
        Self {
            train: Box::new(train),
            valid: Box::new(valid),
            test: None,
        }
    }

    /// The same batches with a test part held out of the search.
    pub fn with_test(mut self, test: impl Batches<B> + 'static) -> Self {
        self.test = Some(Box::new(test));
        self
    }
}

/// Trains `model` for `epochs` over `train` with `(optimizer, lr)` on `loss`; returns it
/// with the mean loss of its last epoch. A loss that is not finite fails the trial
/// ([`EstimError::TrialFailed`]) with the epoch. Each epoch's end goes to `reporter`
/// ([`TrialReporter::epoch_end`]), which may stop the training ([`EstimError::Pruned`]), and
/// is checkpointed through it when the run checkpoints trials; an interrupted trial resumes
/// at its last checkpoint, the batches fast-forwarded by the epochs it skips (a shuffling
/// `DataLoader` then draws the order it would have). When the reporter knows the trial's seed
/// ([`TrialReporter::set_seed`]), each epoch seeds the model's devices from it
/// ([`TrialReporter::epoch_seed`]), so dropout draws the same masks after a resume.
pub fn fit<M: Module + 'static, B>(
    mut model: M,
    train: &dyn Batches<B>,
    epochs: usize,
    (optim, lr): (&mut ModuleOptimizer, f64),
    loss: impl Fn(&M, &B) -> Result<Tensor<1>, EstimError>,
    reporter: &mut TrialReporter<'_>,
) -> Result<(M, f64), EstimError> {
    let start = reporter.resume(&mut model, optim)?;
    let mut last = reporter.last_train_loss();
    for _ in 0..start {
        drop(train.epoch());
    }
    for epoch in start..epochs {
        if let Some(seed) = reporter.seed() {
            for device in model.devices() {
                device.seed(TrialReporter::epoch_seed(seed, epoch));
            }
        }
        let mut epoch_loss = EpochLoss::default();
        for batch in train.epoch() {
            let l = loss(&model, &batch?)?;
            let grads = GradientsParams::from_grads(l.backward(), &model);
            model = optim.step(lr, model, grads);
            epoch_loss.add(l);
        }
        let Some(mean) = epoch_loss.mean() else {
            return Err(EstimError::InvalidArgs {
                component: "task".into(),
                reason: "the task's training data gave no batches".into(),
            });
        };
        last = mean;
        if !last.is_finite() {
            return Err(EstimError::TrialFailed(format!(
                "epoch {epoch}: the training loss is {last}"
            )));
        }
        reporter.epoch_end(epoch + 1, last, &model)?;
        reporter.checkpoint(epoch + 1, &model, optim)?;
    }
    Ok((model, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};

    fn setup() -> (Device, Vec<Tensor<2>>) {
        let device = Device::default().autodiff();
        device.seed(0);
        let batches = vec![Tensor::ones([4, 2], &device)];
        (device, batches)
    }

    #[test]
    fn fit_lowers_the_loss_and_reports_the_last_epochs() {
        let (device, batches) = setup();
        let loss =
            |m: &Linear, x: &Tensor<2>| Ok((m.forward(x.clone()) - 3.0).powi_scalar(2).mean());
        let mut adam = AdamConfig::new().init();
        let net = LinearConfig::new(2, 1).init(&device);
        let (net, first) = fit(
            net,
            &batches,
            1,
            (&mut adam, 0.1),
            loss,
            &mut TrialReporter::silent(0),
        )
        .unwrap();
        let (_, later) = fit(
            net,
            &batches,
            30,
            (&mut adam, 0.1),
            loss,
            &mut TrialReporter::silent(0),
        )
        .unwrap();
        assert!(later < 0.1 * first, "{first} → {later}");
    }

    #[test]
    fn a_loss_that_is_not_finite_fails_the_trial_and_no_batches_are_an_error() {
        let (device, batches) = setup();
        let nan = |m: &Linear, x: &Tensor<2>| Ok(m.forward(x.clone()).mean() * f32::NAN);
        let mut adam = AdamConfig::new().init();
        let net = || LinearConfig::new(2, 1).init(&device);
        let err = fit(
            net(),
            &batches,
            1,
            (&mut adam, 0.1),
            nan,
            &mut TrialReporter::silent(0),
        )
        .unwrap_err();
        assert!(
            matches!(err, EstimError::TrialFailed(ref m) if m.contains("NaN")),
            "{err}"
        );
        let none: Vec<Tensor<2>> = vec![];
        let err = fit(
            net(),
            &none,
            1,
            (&mut adam, 0.1),
            nan,
            &mut TrialReporter::silent(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no batches"), "{err}");
    }
}
