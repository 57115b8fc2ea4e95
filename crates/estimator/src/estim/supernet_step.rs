//! One supernet training step, shared by [`SuperNetEstim`](super::SuperNetEstim) and the
//! benchmarks: a weight step on a training batch ([`weight_step`], which also steps α in
//! one-level search) and a bi-level α step ([`arch_step`]).

use super::expected_cost::ExpectedCost;
use super::supernet_problem::{backward_on, Batch, SuperNetProblem};
use super::AlphaSnapshot;
use crate::data::ImageDataset;
use crate::{EstimError, TrialTrainer};
use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use indexmap::IndexMap;
use modnas_construct::{MixedHandle, NetBox};
use modnas_optim::{clip_grad_norm, GradientOptim};
use modnas_param_space::TensorParam;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Everything a supernet training step touches, apart from the model.
pub struct StepParts<'a> {
    /// The architecture parameters.
    pub alphas: &'a [TensorParam],
    /// The mixed operators (paths are resampled before every forward pass).
    pub handles: &'a [MixedHandle],
    /// The trainer whose [`batch_loss`](TrialTrainer::batch_loss) is minimised.
    pub trainer: &'a dyn TrialTrainer,
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
pub fn weight_step(
    model: NetBox,
    batch: &Batch,
    lr: f64,
    parts: &mut StepParts<'_>,
    one_level: Option<&mut dyn GradientOptim>,
) -> Result<(NetBox, Tensor<1>), EstimError> {
    let b = backward_on(
        &model,
        batch,
        parts.alphas,
        parts.handles,
        (parts.trainer, parts.cost),
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
pub fn arch_step(
    model: NetBox,
    train: Batch,
    valid: Batch,
    lr: f64,
    decay: f64,
    parts: &mut StepParts<'_>,
    optim: &mut dyn GradientOptim,
) -> Result<NetBox, EstimError> {
    let mut problem = SuperNetProblem {
        model,
        saved: None,
        alphas: parts.alphas,
        handles: parts.handles,
        train,
        valid,
        trainer: parts.trainer,
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
