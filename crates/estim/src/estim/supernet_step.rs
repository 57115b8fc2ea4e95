//! One supernet training step, shared by [`SuperNetEstim`](super::SuperNetEstim), the
//! supernet search over a user's model and batches, and the benchmarks: a weight step on a
//! training batch ([`weight_step`], which also steps α in one-level search) and a bi-level α
//! step ([`arch_step`]). Both are generic over the model `M` and the batch type `B`.

use super::batch_loss::BatchLoss;
use super::expected_cost::ExpectedCost;
use super::supernet_problem::{backward_on, SuperNetProblem};
use super::AlphaSnapshot;
use crate::data::ImageDataset;
use crate::EstimError;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use indexmap::IndexMap;
use modnas_construct::MixedHandle;
use modnas_optim::{clip_grad_norm, GradientOptim};
use modnas_param_space::TensorParam;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Everything a supernet training step touches, apart from the model `M` and the batch `B`.
pub struct StepParts<'a, M, B> {
    /// The architecture parameters.
    pub alphas: &'a [TensorParam],
    /// The mixed operators (paths are resampled before every forward pass).
    pub handles: &'a [MixedHandle],
    /// The loss minimised: a trainer's ([`TrainerLoss`](super::TrainerLoss)) or the user's
    /// ([`LossFn`](super::LossFn)).
    pub loss: &'a dyn BatchLoss<M, B>,
    /// The weight optimizer (never given α).
    pub weights: &'a mut ModuleOptimizer,
    /// Global gradient-norm clipping of the weights (0: none).
    pub grad_clip: f64,
    /// Randomness of path sampling.
    pub rng: &'a mut StdRng,
    /// The expected cost added to the loss (it moves α only).
    pub cost: Option<&'a ExpectedCost>,
}

/// One weight step on `batch`; with `one_level`, the same gradients also step α.
/// Returns the new model and the detached loss.
pub fn weight_step<M: Module, B>(
    model: M,
    batch: &B,
    lr: f64,
    parts: &mut StepParts<'_, M, B>,
    one_level: Option<&mut dyn GradientOptim>,
) -> Result<(M, Tensor<1>), EstimError> {
    let b = backward_on(
        &model,
        batch,
        parts.alphas,
        parts.handles,
        (parts.loss, parts.cost),
        parts.rng,
    )?;
    if let Some(optim) = one_level {
        arch_update(parts.handles, || optim.apply(parts.alphas, b.arch))?;
    }
    let mut grads = b.weights;
    if parts.grad_clip > 0.0 {
        clip_grad_norm(&model, &mut grads, parts.grad_clip);
    }
    Ok((parts.weights.step(lr, model, grads), b.loss))
}

/// Runs an α update, with the binary-gate rescaling around it.
fn arch_update(
    handles: &[MixedHandle],
    update: impl FnOnce() -> Result<(), modnas_optim::OptimError>,
) -> Result<(), EstimError> {
    handles.iter().for_each(MixedHandle::before_update);
    update()?;
    handles.iter().for_each(MixedHandle::rescale_after_update);
    Ok(())
}

/// One bi-level α step with `optim` on the `train`/`valid` batches; the weights are unchanged.
pub fn arch_step<M: Module, B>(
    model: M,
    train: B,
    valid: B,
    lr: f64,
    decay: f64,
    parts: &mut StepParts<'_, M, B>,
    optim: &mut dyn GradientOptim,
) -> Result<M, EstimError> {
    let mut problem = SuperNetProblem {
        model,
        saved: None,
        alphas: parts.alphas,
        handles: parts.handles,
        train,
        valid,
        loss: parts.loss,
        cost: parts.cost,
        lr,
        decay,
        rng: parts.rng,
    };
    arch_update(parts.handles, || optim.step(&mut problem))?;
    Ok(problem.model)
}

pub(crate) fn snapshot(
    epoch: usize,
    alphas: &[(String, TensorParam)],
    handles: &[MixedHandle],
) -> AlphaSnapshot {
    let params = alphas
        .iter()
        .filter_map(|(name, _)| {
            let h = handles.iter().find(|h| h.param_name() == name)?;
            let w = h.weights();
            let row = h
                .candidates()
                .iter()
                .cloned()
                .zip(w.into_iter().map(f64::from))
                .collect();
            Some((name.clone(), row))
        })
        .collect::<IndexMap<_, _>>();
    AlphaSnapshot { epoch, params }
}

pub(crate) fn batches(data: &ImageDataset, batch: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.shuffle(rng);
    order.chunks(batch).map(<[usize]>::to_vec).collect()
}
