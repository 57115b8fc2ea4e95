//! The `flex` backend's 1×1 convolution: [`pointwise_conv_host`],
//! [`pointwise_input_grad_host`] and [`pointwise_weight_grad_host`] on the tensors' own memory.

use super::pointwise::pointwise_options;
use super::{
    pointwise_conv_host, pointwise_input_grad_host, pointwise_layout, pointwise_weight_grad_host,
    PointwiseConvBackend, PointwiseLayout,
};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::{Shape, TensorData};

/// `kernel` on the float32 elements of `a` and `b` (made contiguous where strided) as a
/// tensor of shape `out` (by default the convolution's output shape); `None` where the shapes are not a 1×1 convolution's (`grad`, when
/// given, must be its output's) or a tensor is not float32.
fn on_host(
    [x, weight]: [&FlexTensor; 2],
    grad: Option<&FlexTensor>,
    [a, b]: [&FlexTensor; 2],
    out: Option<Shape>,
    kernel: fn(&[f32], &[f32], PointwiseLayout) -> Vec<f32>,
) -> Option<FlexTensor> {
    let layout = pointwise_layout(&x.shape(), &weight.shape())?;
    let [n, _, h, w] = <[usize; 4]>::try_from(x.shape().as_slice()).ok()?;
    let y = Shape::new([n, layout.c_out, h, w]);
    if grad.is_some_and(|g| g.shape() != y) {
        return None;
    }
    let (a, b) = (a.to_contiguous(), b.to_contiguous());
    let values = kernel(a.as_slice::<f32>()?, b.as_slice::<f32>()?, layout);
    Some(FlexTensor::from_data(TensorData::new(
        values,
        out.unwrap_or(y),
    )))
}

impl PointwiseConvBackend for Flex {
    fn pointwise_conv2d(x: FlexTensor, weight: FlexTensor) -> FlexTensor {
        on_host(
            [&x, &weight],
            None,
            [&x, &weight],
            None,
            pointwise_conv_host,
        )
        .unwrap_or_else(|| <Flex as ModuleOps<Flex>>::conv2d(x, weight, None, pointwise_options()))
    }

    fn pointwise_conv2d_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
    ) -> FlexTensor {
        let operands = [&output_grad, &weight];
        let shape = Some(x.shape());
        on_host(
            [&x, &weight],
            Some(&output_grad),
            operands,
            shape,
            pointwise_input_grad_host,
        )
        .unwrap_or_else(|| {
            <Flex as ModuleOps<Flex>>::conv2d_x_backward(
                x,
                weight,
                output_grad,
                pointwise_options(),
            )
        })
    }

    fn pointwise_conv2d_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
    ) -> FlexTensor {
        let operands = [&x, &output_grad];
        let shape = Some(weight.shape());
        on_host(
            [&x, &weight],
            Some(&output_grad),
            operands,
            shape,
            pointwise_weight_grad_host,
        )
        .unwrap_or_else(|| {
            <Flex as ModuleOps<Flex>>::conv2d_weight_backward(
                x,
                weight,
                output_grad,
                pointwise_options(),
            )
        })
    }
}
