//! The `libtorch` backend's depthwise weight gradient on the CPU: [`depthwise_weight_grad`]
//! on copies of the tensors (LibTorch's own depthwise weight gradient is not reachable
//! through `tch`). CUDA tensors keep Burn's. The input gradient stays LibTorch's transposed
//! convolution: [`super::depthwise_input_grad`] on copies measured slower here.

#![allow(deprecated)] // burn-tch is deprecated upstream; modnas keeps it behind `tch` on purpose.

use super::{depthwise_geometry, depthwise_weight_grad, DepthwiseConvBackend};
use burn::backend::libtorch::TchTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{LibTorch, TensorMetadata};
use burn::tensor::ops::ConvOptions;

/// A float32 CPU tensor's elements, in row-major order.
fn host_f32(t: &tch::Tensor) -> Option<Vec<f32>> {
    if t.device() != tch::Device::Cpu || t.kind() != tch::Kind::Float {
        return None;
    }
    Vec::<f32>::try_from(t.flatten(0, -1)).ok()
}

/// A float32 CPU tensor holding `values` in the shape of `like`.
fn from_host(values: &[f32], like: &tch::Tensor) -> TchTensor {
    TchTensor::new(tch::Tensor::from_slice(values).reshape(like.size()))
}

impl DepthwiseConvBackend for LibTorch {
    fn depthwise_conv2d_weight_grad(
        x: TchTensor,
        weight: TchTensor,
        output_grad: TchTensor,
        options: ConvOptions<2>,
    ) -> TchTensor {
        let geometry =
            depthwise_geometry(&x.shape(), &weight.shape(), &output_grad.shape(), &options);
        if let Some(geometry) = geometry {
            if let (Some(xs), Some(gs)) = (host_f32(&x.tensor), host_f32(&output_grad.tensor)) {
                return from_host(&depthwise_weight_grad(&xs, &gs, &geometry), &weight.tensor);
            }
        }
        <LibTorch as ModuleOps<LibTorch>>::conv2d_weight_backward(x, weight, output_grad, options)
    }
}
