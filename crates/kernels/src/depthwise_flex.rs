//! The `flex` backend's depthwise gradients: [`depthwise_weight_grad`] and
//! [`depthwise_input_grad`] on the tensors' own memory.

use super::{
    depthwise_geometry, depthwise_input_grad, depthwise_weight_grad, DepthwiseConvBackend,
    DepthwiseGeometry,
};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Shape, TensorData};

/// `kernel` on the float32 elements of `a` and `b` (contiguous; copied only where strided) and
/// the geometry, as a tensor of shape `out`; `None` where the convolution is not depthwise or
/// the tensors are not float32.
fn on_host(
    [x, weight, output_grad]: [&FlexTensor; 3],
    options: &ConvOptions<2>,
    [a, b]: [&FlexTensor; 2],
    out: Shape,
    kernel: fn(&[f32], &[f32], &DepthwiseGeometry) -> Vec<f32>,
) -> Option<FlexTensor> {
    let geometry = depthwise_geometry(&x.shape(), &weight.shape(), &output_grad.shape(), options)?;
    let (a, b) = (a.to_contiguous(), b.to_contiguous());
    let values = kernel(a.as_slice::<f32>()?, b.as_slice::<f32>()?, &geometry);
    Some(FlexTensor::from_data(TensorData::new(values, out)))
}

impl DepthwiseConvBackend for Flex {
    fn depthwise_conv2d_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let tensors = [&x, &weight, &output_grad];
        let operands = [&output_grad, &weight];
        on_host(tensors, &options, operands, x.shape(), depthwise_input_grad).unwrap_or_else(|| {
            <Flex as ModuleOps<Flex>>::conv2d_x_backward(x, weight, output_grad, options)
        })
    }

    fn depthwise_conv2d_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let tensors = [&x, &weight, &output_grad];
        let operands = [&x, &output_grad];
        on_host(
            tensors,
            &options,
            operands,
            weight.shape(),
            depthwise_weight_grad,
        )
        .unwrap_or_else(|| {
            <Flex as ModuleOps<Flex>>::conv2d_weight_backward(x, weight, output_grad, options)
        })
    }
}
