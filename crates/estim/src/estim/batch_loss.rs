//! [`BatchLoss`]: the differentiable loss of one batch that a supernet step minimises, over any
//! model and any batch type. The weight and α steps ([`weight_step`](super::weight_step),
//! [`arch_step`](super::arch_step)) and the gradient optimizers' view of the supernet
//! ([`backward_on`](super::backward_on)) are written against it, so the same DARTS, GDAS, SNAS,
//! ProxylessNAS or DrNAS step trains an image classifier through its trainer
//! ([`TrainerLoss`]) and a user's regression or sequence model through a closure ([`LossFn`]).
//!
//! ```
//! use burn::tensor::Tensor;
//! use modnas_estim::{BatchLoss, LossFn};
//! use rand::SeedableRng;
//! // A batch of the user's own type: any struct, here inputs and regression targets.
//! struct Batch { x: Tensor<2>, y: Tensor<2> }
//! let mse = LossFn(|scale: &f32, b: &Batch| {
//!     let d = b.x.clone() * *scale - b.y.clone();
//!     Ok((d.clone() * d).mean())
//! });
//! let device = burn::tensor::Device::default();
//! let b = Batch { x: Tensor::ones([2, 3], &device), y: Tensor::zeros([2, 3], &device) };
//! let mut rng = rand::rngs::StdRng::seed_from_u64(0);
//! let loss = mse.batch_loss(&2.0, &b, &mut rng).unwrap();
//! assert_eq!(loss.into_scalar::<f32>(), 4.0);
//! ```

use super::supernet_problem::Batch;
use crate::{EstimError, TrialTrainer};
use burn::tensor::Tensor;
use modnas_construct::NetBox;
use rand::rngs::StdRng;

/// The loss of `model` on one `batch`, which a supernet step differentiates.
pub trait BatchLoss<M, B> {
    /// The mean loss, a one-element tensor on the batch's (autodiff) device; `rng` is the
    /// step's randomness (mixup, path sampling in the loss).
    fn batch_loss(&self, model: &M, batch: &B, rng: &mut StdRng) -> Result<Tensor<1>, EstimError>;
}

/// A trainer's [`batch_loss`](TrialTrainer::batch_loss) on image batches: what the
/// config-driven supernet estimators minimise.
pub struct TrainerLoss<'a>(pub &'a dyn TrialTrainer);

impl BatchLoss<NetBox, Batch> for TrainerLoss<'_> {
    fn batch_loss(
        &self,
        model: &NetBox,
        (x, y): &Batch,
        rng: &mut StdRng,
    ) -> Result<Tensor<1>, EstimError> {
        self.0.batch_loss(model, x.clone(), y.clone(), rng)
    }
}

/// A closure `|model, batch| -> Result<Tensor<1>, EstimError>` as a [`BatchLoss`]: the user's
/// own loss over their own model and batch types.
pub struct LossFn<F>(pub F);

impl<M, B, F> BatchLoss<M, B> for LossFn<F>
where
    F: Fn(&M, &B) -> Result<Tensor<1>, EstimError>,
{
    fn batch_loss(&self, model: &M, batch: &B, _rng: &mut StdRng) -> Result<Tensor<1>, EstimError> {
        (self.0)(model, batch)
    }
}
