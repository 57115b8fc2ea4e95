//! Depthwise 2-D convolution whose weight gradient the CPU backends compute directly.
//!
//! [`depthwise_conv2d`] is Burn's `conv2d` with `groups == channels_in == channels_out`; the
//! forward pass is Burn's own. The gradients differ: on `flex` they are
//! [`depthwise_weight_grad`] and [`depthwise_input_grad`], one pass over the data each, where
//! Burn's defaults run one convolution per channel (weight) and a grouped transposed
//! convolution (input); `libtorch` on the CPU takes the weight gradient. Other backends keep
//! Burn's.
//!
//! ```
//! use burn::tensor::{ops::ConvOptions, Device, Distribution, Tensor};
//! use modnas_kernels::depthwise_conv2d;
//!
//! let device = Device::default().autodiff();
//! let x = Tensor::<4>::random([2, 3, 8, 8], Distribution::Default, &device);
//! let w = Tensor::<4>::random([3, 1, 3, 3], Distribution::Default, &device).require_grad();
//! let y = depthwise_conv2d(x, w.clone(), ConvOptions::new([1, 1], [1, 1], [1, 1], 3));
//! assert_eq!(y.dims(), [2, 3, 8, 8]);
//! let grads = y.sum().backward();
//! assert_eq!(w.grad(&grads).map(|g| g.dims()), Some([3, 1, 3, 3]));
//! ```

use super::DepthwiseGeometry;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, AutodiffBackend, Backend, Dispatch};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Shape, Tensor};

/// The backend operations behind [`depthwise_conv2d`]; the defaults are Burn's own.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    LibTorch: cfg(feature = "tch"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(any(feature = "wgpu", feature = "cuda")),
    Capture,
    Autodiff
)]
pub trait DepthwiseConvBackend: Backend {
    /// The forward pass: `conv2d` without bias.
    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, None, options)
    }

    /// The gradient of the input.
    fn depthwise_conv2d_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, output_grad, options)
    }

    /// The gradient of the weight, of shape `[channels, 1, kh, kw]`.
    fn depthwise_conv2d_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, output_grad, options)
    }
}

/// A depthwise convolution of `x` (`[batch, channels, h, w]`) with `weight`
/// (`[channels, 1, kh, kw]`); `options.groups` must equal `channels`.
pub fn depthwise_conv2d(x: Tensor<4>, weight: Tensor<4>, options: ConvOptions<2>) -> Tensor<4> {
    let out = <Dispatch as DepthwiseConvBackend>::depthwise_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        options,
    );
    Tensor::from_dispatch(out)
}

/// The geometry of a depthwise convolution, or `None` where the shapes are not those of one
/// (then the backends fall back to Burn's gradients).
pub fn depthwise_geometry(
    x: &Shape,
    weight: &Shape,
    output_grad: &Shape,
    options: &ConvOptions<2>,
) -> Option<DepthwiseGeometry> {
    let (x, w, o) = (x.as_slice(), weight.as_slice(), output_grad.as_slice());
    let [n, c, h, wd] = <[usize; 4]>::try_from(x).ok()?;
    let [wc, one, kh, kw] = <[usize; 4]>::try_from(w).ok()?;
    let [on, oc, oh, ow] = <[usize; 4]>::try_from(o).ok()?;
    let depthwise = options.groups == c && wc == c && one == 1 && on == n && oc == c;
    let sizes = [kh, kw, options.stride[0], options.stride[1]];
    let positive = sizes.iter().chain(&options.dilation).all(|&v| v > 0);
    if !depthwise || !positive {
        return None;
    }
    let pad = options.padding;
    let geometry = DepthwiseGeometry::new(
        [n, c, h, wd],
        [kh, kw],
        options.stride,
        [pad[0].0, pad[1].0],
        options.dilation,
    );
    // Asymmetric padding is fine as long as the output is the one the start padding implies.
    (geometry.output == [oh, ow]).then_some(geometry)
}

#[derive(Debug)]
struct DepthwiseConvBackward;

impl<B: DepthwiseConvBackend> Backward<B, 2> for DepthwiseConvBackward {
    type State = (NodeId, NodeId, ConvOptions<2>);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
        let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
        if let Some(node) = node_x {
            let dx = B::depthwise_conv2d_input_grad(
                x.clone(),
                weight.clone(),
                grad.clone(),
                options.clone(),
            );
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            let dw = B::depthwise_conv2d_weight_grad(x, weight, grad, options);
            grads.register::<B>(node.id, dw);
        }
    }
}

impl<B: DepthwiseConvBackend, C: CheckpointStrategy> DepthwiseConvBackend for Autodiff<B, C> {
    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match DepthwiseConvBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                let out = B::depthwise_conv2d(Self::inner(x), Self::inner(weight), options.clone());
                prep.finish((x_state, weight_state, options), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::depthwise_conv2d(
                Self::inner(x),
                Self::inner(weight),
                options,
            )),
        }
    }
}

#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl DepthwiseConvBackend for burn::backend::Cube {}

// Burn's graph capture records the default operations, which the ONNX export reads.
impl DepthwiseConvBackend for burn::backend::Capture {}

#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl DepthwiseConvBackend for burn::backend::NdArray {}
