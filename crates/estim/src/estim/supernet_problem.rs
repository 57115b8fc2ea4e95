//! The supernet as an [`ArchProblem`]: what a gradient optimizer may ask during one
//! architecture step — losses and gradients on the current batches, and temporary moves of
//! the weights. Generic over the model `M` and the batch type `B`; the loss is a
//! [`BatchLoss`].

use super::batch_loss::BatchLoss;
use super::expected_cost::ExpectedCost;
use crate::EstimError;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Gradients, Int, Tensor};
use modnas_construct::MixedHandle;
use modnas_optim::{grad_sq_norm, shift_weights, ArchProblem, Backward, OptimError, Split};
use modnas_param_space::TensorParam;
use rand::rngs::StdRng;

/// One batch of the image path: images and labels on the training device.
pub type Batch = (Tensor<4>, Tensor<1, Int>);

/// The loss of a step and the expected cost that joins it (it reaches α only).
pub type StepLoss<'a, M, B> = (&'a dyn BatchLoss<M, B>, Option<&'a ExpectedCost>);

/// The supernet, its α and the current train/valid batches.
pub(crate) struct SuperNetProblem<'a, M, B> {
    pub model: M,
    pub saved: Option<M>,
    pub alphas: &'a [TensorParam],
    pub handles: &'a [MixedHandle],
    pub train: B,
    pub valid: B,
    pub loss: &'a dyn BatchLoss<M, B>,
    pub cost: Option<&'a ExpectedCost>,
    pub lr: f64,
    pub decay: f64,
    pub rng: &'a mut StdRng,
}

/// Forward and backward of `model` on `batch`, paths resampled first; α gradients are split
/// from the weight gradients. The loss is `loss`'s [`BatchLoss`]; the expected cost, when
/// given, joins it (it reaches α only); the returned loss is the batch loss alone.
pub fn backward_on<M: Module, B>(
    model: &M,
    batch: &B,
    alphas: &[TensorParam],
    handles: &[MixedHandle],
    loss: StepLoss<'_, M, B>,
    rng: &mut StdRng,
) -> Result<Backward, EstimError> {
    let (loss, mut grads) = loss_and_grads(model, batch, handles, loss, rng)?;
    Ok(Backward {
        arch: take_arch_grads(alphas, &mut grads),
        weights: GradientsParams::from_grads(grads, model),
        loss,
    })
}

/// The α gradients of [`backward_on`] alone. The forward runs on a copy of `model` whose
/// weights are not tracked, so the backward pass computes no weight gradient (for a
/// convolution, the costlier half of its backward). Batch-norm statistics update as in
/// [`backward_on`].
pub fn arch_grads_on<M: Module, B>(
    model: &M,
    batch: &B,
    alphas: &[TensorParam],
    handles: &[MixedHandle],
    loss: StepLoss<'_, M, B>,
    rng: &mut StdRng,
) -> Result<Vec<Tensor<1>>, EstimError> {
    // A lazily initialised parameter shares its gradient setting with every clone until it
    // is first read, so `no_grad` on the copy would untrack the model's own weights too.
    model.visit(&mut Materialize);
    let untracked = model.clone().no_grad();
    let (_, mut grads) = loss_and_grads(&untracked, batch, handles, loss, rng)?;
    Ok(take_arch_grads(alphas, &mut grads))
}

/// Reads every float parameter once, which initialises the lazy ones.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// Resamples the paths, then the detached batch loss and the gradients of it plus the
/// expected cost.
fn loss_and_grads<M, B>(
    model: &M,
    batch: &B,
    handles: &[MixedHandle],
    (batch_loss, cost): StepLoss<'_, M, B>,
    rng: &mut StdRng,
) -> Result<(Tensor<1>, Gradients), EstimError> {
    MixedHandle::resample_all(handles, rng);
    let loss = batch_loss.batch_loss(model, batch, rng)?;
    let total = match cost.and_then(ExpectedCost::loss) {
        Some(c) => loss.clone() + c,
        None => loss.clone(),
    };
    let grads = total.backward();
    Ok((loss.detach(), grads))
}

fn problem_error(e: EstimError) -> OptimError {
    OptimError::Problem(e.to_string())
}

/// Each α's gradient, zeros for one the loss did not reach.
fn take_arch_grads(alphas: &[TensorParam], grads: &mut Gradients) -> Vec<Tensor<1>> {
    alphas
        .iter()
        .map(|a| {
            let v = a.value();
            v.grad_remove(grads)
                .unwrap_or_else(|| Tensor::zeros([a.len()], &v.device().inner()))
        })
        .collect()
}

/// The batch of `split` (a free function, so the other fields stay borrowable).
fn pick<'b, B>(train: &'b B, valid: &'b B, split: Split) -> &'b B {
    match split {
        Split::Train => train,
        Split::Valid => valid,
    }
}

impl<M: Module, B> ArchProblem for SuperNetProblem<'_, M, B> {
    fn alphas(&self) -> Vec<TensorParam> {
        self.alphas.to_vec()
    }

    fn backward(&mut self, split: Split) -> Result<Backward, OptimError> {
        let batch = pick(&self.train, &self.valid, split);
        backward_on(
            &self.model,
            batch,
            self.alphas,
            self.handles,
            (self.loss, self.cost),
            self.rng,
        )
        .map_err(problem_error)
    }

    fn arch_backward(&mut self, split: Split) -> Result<Vec<Tensor<1>>, OptimError> {
        let batch = pick(&self.train, &self.valid, split);
        arch_grads_on(
            &self.model,
            batch,
            self.alphas,
            self.handles,
            (self.loss, self.cost),
            self.rng,
        )
        .map_err(problem_error)
    }

    fn shift_weights(&mut self, grads: &GradientsParams, scale: f64, decay: f64) {
        self.model = shift_weights(self.model.clone(), grads, scale, decay);
    }

    fn grad_sq_norm(&self, grads: &GradientsParams) -> f64 {
        grad_sq_norm(&self.model, grads).map_or(0.0, |t| t.into_scalar::<f64>())
    }

    fn save_weights(&mut self) {
        self.saved = Some(self.model.clone());
    }

    fn restore_weights(&mut self) {
        if let Some(saved) = &self.saved {
            self.model = saved.clone();
        }
    }

    fn weight_lr(&self) -> f64 {
        self.lr
    }

    fn weight_decay(&self) -> f64 {
        self.decay
    }
}
