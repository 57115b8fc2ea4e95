//! Pieces every built-in model shares: argument parsing and the pooled linear classifier.

use burn::nn::Linear;
use burn::tensor::Tensor;
use modnas_construct::{ConstructError, Cost};

/// An invalid-arguments error of `model`.
pub(crate) fn bad_args(model: &str, reason: impl Into<String>) -> ConstructError {
    ConstructError::InvalidModelArgs {
        model: model.into(),
        reason: reason.into(),
    }
}

pub(crate) use modnas_construct::model_args as parse_model_args;

/// Whether `model`'s `stem` argument asks for the small-image (CIFAR) stem: `"cifar"`, or
/// `"auto"` for inputs under 128 pixels; `"imagenet"` asks for the large-image one.
pub(crate) fn small_image_stem(
    model: &str,
    stem: &str,
    input: &modnas_construct::ModelInput,
) -> Result<bool, ConstructError> {
    match stem {
        "imagenet" => Ok(false),
        "cifar" => Ok(true),
        "auto" => Ok(input.height < 128),
        other => Err(bad_args(
            model,
            format!("`stem` = {other:?}; allowed: \"imagenet\", \"cifar\", \"auto\""),
        )),
    }
}

/// A 3-channel 8×8 input of 10 classes, for tests.
#[cfg(test)]
pub(crate) const TINY_INPUT: modnas_construct::ModelInput = modnas_construct::ModelInput {
    channels: 3,
    height: 8,
    width: 8,
    classes: 10,
};

/// Global average pooling, then `head`.
pub(crate) fn pool_classify(x: Tensor<4>, head: &Linear) -> Tensor<2> {
    let [n, c, _, _] = x.dims();
    head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
}

/// `body` followed by the linear `head` (pooling costs no MACs).
pub(crate) fn with_head_cost(body: Cost, head: &Linear) -> Cost {
    let [d_in, d_out] = head.weight.dims();
    let n = body.output.first().copied().unwrap_or(1);
    let mem = modnas_construct::f32_bytes(n * d_in + d_in * d_out + n * d_out);
    body.then(Cost::new((n * d_in * d_out) as u64, vec![n, d_out]).with_mem(mem))
}
