//! Training-mode batch normalization whose CPU kernels run in one pass per step.
//!
//! [`batch_norm_train`] computes what Burn's `batch_norm_train` does (output, batch mean,
//! biased variance; the statistics detached) and is differentiated as one operation like
//! Burn's. On `flex` both passes are [`batch_norm_train_host`] and
//! [`batch_norm_train_backward_host`]; other backends keep Burn's. [`batch_norm_forward`]
//! is `burn::nn::BatchNorm::forward` on top of it, running statistics included.
//!
//! ```
//! use burn::tensor::{Device, Distribution, Tensor};
//! use modnas_kernels::batch_norm_forward;
//! use burn::nn::BatchNormConfig;
//!
//! let device = Device::default().autodiff();
//! let bn = BatchNormConfig::new(3).init(&device);
//! let x = Tensor::<4>::random([4, 3, 5, 5], Distribution::Default, &device).require_grad();
//! let y = batch_norm_forward(&bn, x.clone());
//! let mean = y.clone().mean().into_scalar::<f32>();
//! assert!(mean.abs() < 1e-5);
//! let grads = y.powf_scalar(2.0).sum().backward();
//! assert_eq!(x.grad(&grads).map(|g| g.dims()), Some([4, 3, 5, 5]));
//! ```

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, AutodiffBackend, Backend, Dispatch};
use burn::nn::BatchNorm;
use burn::tensor::module::BatchNormTrainOutput;
use burn::tensor::Tensor;

/// The backend operations behind [`batch_norm_train`]; the defaults are Burn's own.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    LibTorch: cfg(feature = "tch"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(any(feature = "wgpu", feature = "cuda")),
    Capture,
    Autodiff
)]
pub trait BatchNormTrainBackend: Backend {
    /// Output, batch mean and biased batch variance of `x` (`[batch, channels, ...]`).
    fn batch_norm_train_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let out = Self::batch_norm_train(x, gamma, beta, epsilon);
        (out.output, out.mean, out.variance)
    }

    /// Gradients of the input, γ and β, given the output gradient and the statistics the
    /// forward pass returned.
    fn batch_norm_train_fused_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        output_grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let g = Self::batch_norm_train_backward(x, gamma, mean, variance, epsilon, output_grad);
        (g.x_grad, g.gamma_grad, g.beta_grad)
    }
}

/// Batch normalization of `x` (`[batch, channels, ...]`) with its own statistics; the returned
/// mean and variance are detached. Same contract as Burn's
/// `burn::tensor::module::batch_norm_train`.
///
/// # Panics
/// Where `x` has rank below 2 or `gamma`/`beta` are not `[channels]` (as Burn's does).
pub fn batch_norm_train<const D: usize>(
    x: Tensor<D>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
) -> BatchNormTrainOutput<D> {
    assert!(D >= 2, "batch norm requires an input rank of at least 2");
    let channels = x.dims()[1];
    assert_eq!(gamma.dims(), [channels], "invalid batch norm gamma shape");
    assert_eq!(beta.dims(), [channels], "invalid batch norm beta shape");
    let (output, mean, variance) = <Dispatch as BatchNormTrainBackend>::batch_norm_train_fused(
        x.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        epsilon,
    );
    BatchNormTrainOutput {
        output: Tensor::from_dispatch(output),
        mean: Tensor::from_dispatch(mean),
        variance: Tensor::from_dispatch(variance),
    }
}

/// `bn.forward(x)` with [`batch_norm_train`] in training: on an autodiff device with the
/// layer's training flag on, the batch statistics normalize `x` and move the running ones by
/// `bn.momentum`; otherwise the running statistics normalize it (Burn's own inference path).
pub fn batch_norm_forward<const D: usize>(bn: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let matches = D >= 2 && x.dims()[1] == bn.gamma.dims()[0];
    if !(matches && x.device().is_autodiff() && bn.training.is_enabled()) {
        // Burn's own path, with its shape check for inputs that do not match.
        return bn.forward(x);
    }
    let device = x.device();
    let out = batch_norm_train(x, bn.gamma.val(), bn.beta.val(), bn.epsilon);
    let m = bn.momentum;
    for (stat, batch) in [
        (&bn.running_mean, out.mean),
        (&bn.running_var, out.variance),
    ] {
        let moved = stat
            .value_sync()
            .to_device(&device)
            .mul_scalar(1.0 - m)
            .add(batch.detach().mul_scalar(m));
        stat.update(moved.detach());
    }
    out.output
}

#[derive(Debug)]
struct BatchNormTrainBackward;

impl<B: BatchNormTrainBackend> Backward<B, 3> for BatchNormTrainBackward {
    // The input and γ are checkpointed; the statistics come along as the forward pass
    // computed them.
    type State = (NodeId, NodeId, FloatTensor<B>, FloatTensor<B>, f64);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, gamma_state, mean, variance, epsilon) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
        let gamma = checkpointer.retrieve_node_output::<FloatTensor<B>>(gamma_state);
        let (dx, dgamma, dbeta) =
            B::batch_norm_train_fused_backward(x, gamma, mean, variance, epsilon, grad);
        for (node, g) in [(node_x, dx), (node_gamma, dgamma), (node_beta, dbeta)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

impl<B: BatchNormTrainBackend, C: CheckpointStrategy> BatchNormTrainBackend for Autodiff<B, C> {
    fn batch_norm_train_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let prepared = BatchNormTrainBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful();
        match prepared {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let gamma_state = prep.checkpoint(&gamma);
                let (out, mean, variance) = B::batch_norm_train_fused(
                    Self::inner(x),
                    Self::inner(gamma),
                    Self::inner(beta),
                    epsilon,
                );
                let state = (
                    x_state,
                    gamma_state,
                    mean.clone(),
                    variance.clone(),
                    epsilon,
                );
                let out = prep.finish(state, out);
                (out, Self::from_inner(mean), Self::from_inner(variance))
            }
            OpsKind::UnTracked(prep) => {
                let (out, mean, variance) = B::batch_norm_train_fused(
                    Self::inner(x),
                    Self::inner(gamma),
                    Self::inner(beta),
                    epsilon,
                );
                let out = prep.finish(out);
                (out, Self::from_inner(mean), Self::from_inner(variance))
            }
        }
    }
}

#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl BatchNormTrainBackend for burn::backend::Cube {}

// Burn's graph capture records the default operations, which the ONNX export reads.
impl BatchNormTrainBackend for burn::backend::Capture {}

#[cfg(feature = "tch")]
impl BatchNormTrainBackend for burn::backend::LibTorch {}

#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl BatchNormTrainBackend for burn::backend::NdArray {}
