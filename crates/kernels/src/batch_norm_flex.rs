//! The `flex` backend's training-mode batch normalization: [`batch_norm_train_host`] and
//! [`batch_norm_train_backward_host`] on the tensors' own memory.

use super::{
    batch_norm_train_backward_host, batch_norm_train_host, BatchNormLayout, BatchNormTrainBackend,
};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::{Shape, TensorData};

type Triple = (FlexTensor, FlexTensor, FlexTensor);

/// `x`'s layout and contiguous copies (or the tensors themselves, where already contiguous)
/// of `x` and `per_channel`; `None` where a tensor is not float32, `x` has rank below 2, a
/// per-channel tensor is not `[channels]` or `same` does not have `x`'s shape (then Burn's
/// path runs, with its own checks).
fn host_operands<const K: usize>(
    x: &FlexTensor,
    per_channel: [&FlexTensor; K],
    same: Option<&FlexTensor>,
) -> Option<(BatchNormLayout, Vec<FlexTensor>)> {
    let layout = BatchNormLayout::of(x.shape().as_slice())?;
    let shapes_fit = per_channel
        .iter()
        .all(|t| t.shape().as_slice() == [layout.channels])
        && same.is_none_or(|t| t.shape() == x.shape());
    let all = std::iter::once(x).chain(per_channel).chain(same);
    let contiguous: Vec<FlexTensor> = all.map(|t| t.to_contiguous()).collect();
    let f32s = contiguous.iter().all(|t| t.as_slice::<f32>().is_some());
    (shapes_fit && f32s).then_some((layout, contiguous))
}

/// Float32 elements of a tensor [`host_operands`] checked.
fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().unwrap_or_default()
}

/// The x-shaped result and the two per-channel ones as tensors.
fn tensors([a, b, c]: [Vec<f32>; 3], x: Shape, channels: usize) -> Triple {
    let tensor = |v: Vec<f32>, shape: Shape| FlexTensor::from_data(TensorData::new(v, shape));
    let per_channel = Shape::new([channels]);
    (
        tensor(a, x),
        tensor(b, per_channel.clone()),
        tensor(c, per_channel),
    )
}

impl BatchNormTrainBackend for Flex {
    fn batch_norm_train_fused(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> Triple {
        let Some((layout, t)) = host_operands(&x, [&gamma, &beta], None) else {
            let out = <Flex as ModuleOps<Flex>>::batch_norm_train(x, gamma, beta, epsilon);
            return (out.output, out.mean, out.variance);
        };
        let [x_, g, b] = [&t[0], &t[1], &t[2]].map(values);
        let s = batch_norm_train_host(x_, g, b, layout, epsilon);
        tensors([s.output, s.mean, s.variance], x.shape(), layout.channels)
    }

    fn batch_norm_train_fused_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
        output_grad: FlexTensor,
    ) -> Triple {
        let operands = host_operands(&x, [&gamma, &mean, &variance], Some(&output_grad));
        let Some((layout, t)) = operands else {
            let g = <Flex as ModuleOps<Flex>>::batch_norm_train_backward(
                x,
                gamma,
                mean,
                variance,
                epsilon,
                output_grad,
            );
            return (g.x_grad, g.gamma_grad, g.beta_grad);
        };
        let [x_, g, m, v, dy] = [&t[0], &t[1], &t[2], &t[3], &t[4]].map(values);
        let grads = batch_norm_train_backward_host(x_, g, [m, v], dy, layout, epsilon);
        tensors(
            [grads.x, grads.gamma, grads.beta],
            x.shape(),
            layout.channels,
        )
    }
}
