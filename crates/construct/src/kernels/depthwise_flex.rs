//! The `flex` backend's depthwise weight gradient: [`depthwise_weight_grad`] on the tensors'
//! own memory.

use super::{depthwise_geometry, depthwise_weight_grad, DepthwiseConvBackend};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::TensorData;

impl DepthwiseConvBackend for Flex {
    fn depthwise_conv2d_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let geometry = depthwise_geometry(&x.shape(), &weight.shape(), &output_grad.shape(), &options);
        if let Some(geometry) = geometry {
            let (xc, gc) = (x.to_contiguous(), output_grad.to_contiguous());
            if let (Some(xs), Some(gs)) = (xc.as_slice::<f32>(), gc.as_slice::<f32>()) {
                let dw = depthwise_weight_grad(xs, gs, &geometry);
                return FlexTensor::from_data(TensorData::new(dw, weight.shape()));
            }
        }
        <Flex as ModuleOps<Flex>>::conv2d_weight_backward(x, weight, output_grad, options)
    }
}
