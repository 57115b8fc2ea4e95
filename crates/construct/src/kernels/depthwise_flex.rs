//! The `flex` backend's depthwise gradients: [`depthwise_weight_grad`] and
//! [`depthwise_input_grad`] on the tensors' own memory.

use super::{
    depthwise_geometry, depthwise_input_grad, depthwise_weight_grad, DepthwiseConvBackend,
};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::TensorData;

/// The float32 elements of `t`, contiguous (a copy only where `t` is strided).
fn contiguous_f32(t: &FlexTensor) -> Option<FlexTensor> {
    let t = t.to_contiguous();
    t.as_slice::<f32>().is_some().then_some(t)
}

impl DepthwiseConvBackend for Flex {
    fn depthwise_conv2d_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let geometry =
            depthwise_geometry(&x.shape(), &weight.shape(), &output_grad.shape(), &options);
        if let (Some(geometry), Some(w), Some(g)) = (
            geometry,
            contiguous_f32(&weight),
            contiguous_f32(&output_grad),
        ) {
            if let (Some(ws), Some(gs)) = (w.as_slice::<f32>(), g.as_slice::<f32>()) {
                let dx = depthwise_input_grad(gs, ws, &geometry);
                return FlexTensor::from_data(TensorData::new(dx, x.shape()));
            }
        }
        <Flex as ModuleOps<Flex>>::conv2d_x_backward(x, weight, output_grad, options)
    }

    fn depthwise_conv2d_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let geometry =
            depthwise_geometry(&x.shape(), &weight.shape(), &output_grad.shape(), &options);
        if let (Some(geometry), Some(xc), Some(gc)) =
            (geometry, contiguous_f32(&x), contiguous_f32(&output_grad))
        {
            if let (Some(xs), Some(gs)) = (xc.as_slice::<f32>(), gc.as_slice::<f32>()) {
                let dw = depthwise_weight_grad(xs, gs, &geometry);
                return FlexTensor::from_data(TensorData::new(dw, weight.shape()));
            }
        }
        <Flex as ModuleOps<Flex>>::conv2d_weight_backward(x, weight, output_grad, options)
    }
}
