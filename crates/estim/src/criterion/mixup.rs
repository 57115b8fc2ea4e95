//! `MixUpCriterion` (Zhang et al., 2018): the batch is mixed with a shuffled copy of itself,
//! `x̃ = λ·x + (1 − λ)·x[π]` with λ ~ Beta(α, α), and the loss is the same mix of the
//! cross-entropies against both label sets.

use super::criterion::{smoothed_targets, soft_cross_entropy};
use super::{Criterion, CriterionInput};
use crate::{register_criterion, EstimError};
use burn::tensor::{Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand_distr::{Beta, Distribution};
use serde::Deserialize;

#[modnas_core::nas_config]
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MixUpArgs {
    /// α of the Beta(α, α) mixing weights.
    #[config(default = 0.2)]
    alpha: f64,
}

/// MixUp with Beta(α, α) mixing weights (`alpha`, default 0.2).
pub struct MixUpCriterion {
    beta: Beta<f64>,
}

impl Criterion for MixUpCriterion {
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        _: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError> {
        let n = input.x.dims()[0];
        let lambda = self.beta.sample(input.rng);
        let mut perm: Vec<i64> = (0..n as i64).collect();
        perm.shuffle(input.rng);
        let device = input.x.device();
        let perm = Tensor::<1, Int>::from_data(TensorData::new(perm, [n]), &device);
        let mixed = input.x.clone().mul_scalar(lambda)
            + input
                .x
                .clone()
                .select(0, perm.clone())
                .mul_scalar(1.0 - lambda);
        let (logits, _) = input.net.forward_aux(mixed);
        let classes = logits.dims()[1];
        let targets = smoothed_targets(input.y.clone(), classes, 0.0).mul_scalar(lambda)
            + smoothed_targets(input.y.clone().select(0, perm), classes, 0.0)
                .mul_scalar(1.0 - lambda);
        Ok(soft_cross_entropy(logits, targets))
    }

    fn primary(&self) -> bool {
        true
    }
}

register_criterion!(
    /// mixup (Zhang et al. 2018): the batch mixed with a shuffled copy, Beta(α, α) weights
    "MixUpCriterion", |a: MixUpArgs| {
        let beta = Beta::new(a.alpha, a.alpha).map_err(|_| EstimError::InvalidArgs {
            component: "MixUpCriterion".into(),
            reason: format!("`alpha` = {} must be positive", a.alpha),
        })?;
        Ok(Box::new(MixUpCriterion { beta }))
    }
);
