//! 1×1 convolution (stride 1, no padding, one group) whose CPU kernels are small matrix
//! products.
//!
//! [`pointwise_conv2d`] is Burn's `conv2d` with a `[c_out, c_in, 1, 1]` weight and no bias. On
//! `flex` the output and both gradients are [`pointwise_conv_host`],
//! [`pointwise_input_grad_host`] and [`pointwise_weight_grad_host`]; other backends keep
//! Burn's kernels.
//!
//! ```
//! use burn::tensor::{Device, Distribution, Tensor};
//! use modnas_kernels::pointwise_conv2d;
//!
//! let device = Device::default().autodiff();
//! let x = Tensor::<4>::random([2, 3, 8, 8], Distribution::Default, &device);
//! let w = Tensor::<4>::random([5, 3, 1, 1], Distribution::Default, &device).require_grad();
//! let y = pointwise_conv2d(x, w.clone());
//! assert_eq!(y.dims(), [2, 5, 8, 8]);
//! let grads = y.sum().backward();
//! assert_eq!(w.grad(&grads).map(|g| g.dims()), Some([5, 3, 1, 1]));
//! ```

use super::PointwiseLayout;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, AutodiffBackend, Backend, Dispatch};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Shape, Tensor};

/// Stride 1, no padding, no dilation, one group: the options of a pointwise convolution.
pub(crate) fn pointwise_options() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [0, 0], [1, 1], 1)
}

/// The backend operations behind [`pointwise_conv2d`]; the defaults are Burn's own.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    LibTorch: cfg(feature = "tch"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(any(feature = "wgpu", feature = "cuda")),
    Capture,
    Autodiff
)]
pub trait PointwiseConvBackend: Backend {
    /// The forward pass: `conv2d` without bias.
    fn pointwise_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::conv2d(x, weight, None, pointwise_options())
    }

    /// The gradient of the input.
    fn pointwise_conv2d_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, output_grad, pointwise_options())
    }

    /// The gradient of the weight, of shape `[c_out, c_in, 1, 1]`.
    fn pointwise_conv2d_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, output_grad, pointwise_options())
    }
}

/// A 1×1 convolution of `x` (`[batch, c_in, h, w]`) with `weight` (`[c_out, c_in, 1, 1]`),
/// stride 1, no bias.
pub fn pointwise_conv2d(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    let out = <Dispatch as PointwiseConvBackend>::pointwise_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
    );
    Tensor::from_dispatch(out)
}

/// The layout of a 1×1 convolution of an `x`-shaped input with a `weight`-shaped weight, or
/// `None` where the shapes are not those of one (then the backends keep Burn's kernels).
pub fn pointwise_layout(x: &Shape, weight: &Shape) -> Option<PointwiseLayout> {
    let [batch, c_in, h, w] = <[usize; 4]>::try_from(x.as_slice()).ok()?;
    let [c_out, wc, 1, 1] = <[usize; 4]>::try_from(weight.as_slice()).ok()? else {
        return None;
    };
    (wc == c_in).then_some(PointwiseLayout {
        batch,
        c_in,
        c_out,
        spatial: h * w,
    })
}

#[derive(Debug)]
struct PointwiseConvBackward;

impl<B: PointwiseConvBackend> Backward<B, 2> for PointwiseConvBackward {
    type State = (NodeId, NodeId);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
        let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
        if let Some(node) = node_x {
            let dx = B::pointwise_conv2d_input_grad(x.clone(), weight.clone(), grad.clone());
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            let dw = B::pointwise_conv2d_weight_grad(x, weight, grad);
            grads.register::<B>(node.id, dw);
        }
    }
}

impl<B: PointwiseConvBackend, C: CheckpointStrategy> PointwiseConvBackend for Autodiff<B, C> {
    fn pointwise_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        match PointwiseConvBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                let out = B::pointwise_conv2d(Self::inner(x), Self::inner(weight));
                prep.finish((x_state, weight_state), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::pointwise_conv2d(Self::inner(x), Self::inner(weight)))
            }
        }
    }
}

#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl PointwiseConvBackend for burn::backend::Cube {}

// Burn's graph capture records the default operations, which the ONNX export reads.
impl PointwiseConvBackend for burn::backend::Capture {}

#[cfg(feature = "tch")]
impl PointwiseConvBackend for burn::backend::LibTorch {}

#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl PointwiseConvBackend for burn::backend::NdArray {}
