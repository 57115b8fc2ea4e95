//! Primary criteria: `CrossEntropyCriterion` (with label smoothing) and `MSECriterion`
//! (squared error between the softmax and the one-hot labels).

use super::criterion::{smoothed_targets, soft_cross_entropy};
use super::{Criterion, CriterionInput};
use crate::{register_criterion, EstimError};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::activation::softmax;
use burn::tensor::Tensor;
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CrossEntropyArgs {
    /// Label smoothing ε in [0, 1): targets are `(1 − ε)·onehot + ε / classes`.
    #[serde(default)]
    label_smoothing: f64,
}

/// Cross-entropy against labels smoothed by `label_smoothing` (0 by default; Inception-v3 and
/// many NAS final trainings use 0.1).
pub struct CrossEntropyCriterion {
    /// ε.
    pub label_smoothing: f64,
}

impl Criterion for CrossEntropyCriterion {
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        _: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError> {
        let (logits, _) = input.outputs();
        if self.label_smoothing == 0.0 {
            // Burn's fused loss where no smoothing is asked for.
            let ce = CrossEntropyLossConfig::new().init(&logits.device());
            return Ok(ce.forward(logits, input.y.clone()));
        }
        let classes = logits.dims()[1];
        let targets = smoothed_targets(input.y.clone(), classes, self.label_smoothing);
        Ok(soft_cross_entropy(logits, targets))
    }

    fn primary(&self) -> bool {
        true
    }
}

register_criterion!(
    /// cross-entropy on the labels, with optional label smoothing
    "CrossEntropyCriterion", |a: CrossEntropyArgs| {
        if !(0.0..1.0).contains(&a.label_smoothing) {
            return Err(EstimError::InvalidArgs {
                component: "CrossEntropyCriterion".into(),
                reason: format!(
                    "`label_smoothing` = {} must lie in [0, 1)",
                    a.label_smoothing
                ),
            });
        }
        Ok(Box::new(CrossEntropyCriterion {
            label_smoothing: a.label_smoothing,
        }))
    }
);

/// Mean squared error between softmax(logits) and the one-hot labels.
pub struct MSECriterion;

impl Criterion for MSECriterion {
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        _: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError> {
        let (logits, _) = input.outputs();
        let classes = logits.dims()[1];
        let targets = smoothed_targets(input.y.clone(), classes, 0.0);
        let diff = softmax(logits, 1) - targets;
        Ok((diff.clone() * diff).mean())
    }

    fn primary(&self) -> bool {
        true
    }
}

register_criterion!(
    /// mean squared error against one-hot labels
    "MSECriterion", || Ok(Box::new(MSECriterion))
);
