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

/// Refuses a net for no input channels or no classes.
pub(crate) fn check_io(model: &str, c_in: usize, classes: usize) -> Result<(), ConstructError> {
    if c_in == 0 || classes == 0 {
        return Err(bad_args(
            model,
            format!("`c_in` = {c_in} and `classes` = {classes} must be positive"),
        ));
    }
    Ok(())
}

/// The first layers of an image model: the large-image (ImageNet) stem downsamples early, the
/// small-image (CIFAR) one keeps the resolution.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stem {
    /// The large-image stem.
    ImageNet,
    /// The small-image stem.
    Cifar,
    /// The small-image stem for inputs under 128 pixels high, else the large-image one.
    #[default]
    Auto,
}

impl Stem {
    /// Whether inputs `height` pixels high get the small-image stem.
    pub fn is_small_image(self, height: usize) -> bool {
        match self {
            Stem::ImageNet => false,
            Stem::Cifar => true,
            Stem::Auto => height < 128,
        }
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
