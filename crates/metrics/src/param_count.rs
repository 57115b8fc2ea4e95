//! `ParamCountMetric`: the number of trainable parameters.

use crate::{register_metric, ArchMetric, MetricsError};
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use modnas_construct::{NetBox, AUXILIARY_FIELD};

/// Counts float parameters, leaving out BatchNorm running statistics (Burn visits them as
/// parameters, but no optimizer trains them), so the count matches PyTorch's
/// `sum(p.numel() for p in model.parameters())`. Training-only heads (under a field named
/// [`AUXILIARY_FIELD`]) are not part of the deployed network and are left out too.
#[derive(Default)]
struct TrainableCounter {
    path: Vec<String>,
    count: usize,
}

impl ModuleVisitor for TrainableCounter {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
        let running = matches!(
            self.path.last().map(String::as_str),
            Some("running_mean" | "running_var")
        );
        let training_only = self.path.iter().any(|m| m == AUXILIARY_FIELD);
        if !running && !training_only {
            self.count += p.lazy_shape().num_elements();
        }
    }
}

/// Trainable parameters of any Burn module, training-only heads excluded.
pub fn trainable_params<M: Module>(module: &M) -> usize {
    let mut counter = TrainableCounter::default();
    module.visit(&mut counter);
    counter.count
}

/// The `ParamCountMetric` (key `params`).
pub struct ParamCountMetric;

impl ArchMetric for ParamCountMetric {
    fn key(&self) -> &str {
        "params"
    }
    fn compute(&self, net: &NetBox, _: &[usize]) -> Result<f64, MetricsError> {
        Ok(trainable_params(net) as f64)
    }
}

register_metric!(
    /// trainable parameters, BN running statistics excluded (key `params`)
    "ParamCountMetric", || Ok(Box::new(ParamCountMetric))
);
