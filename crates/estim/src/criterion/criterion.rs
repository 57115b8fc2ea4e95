//! The criterion interface (paper, Appendix F), its registry and the chain the trainer runs.

use crate::EstimError;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};
use modnas_construct::NetBox;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// What a criterion sees of one training batch. The network's outputs are computed on first
/// use, so a criterion that runs the network itself (MixUp) costs no extra forward pass.
pub struct CriterionInput<'a> {
    /// The network being trained.
    pub net: &'a NetBox,
    /// The batch's images.
    pub x: Tensor<4>,
    /// The batch's labels.
    pub y: Tensor<1, Int>,
    /// Randomness of the training run.
    pub rng: &'a mut StdRng,
    outputs: Option<(Tensor<2>, Option<Tensor<2>>)>,
}

impl<'a> CriterionInput<'a> {
    /// The input for `net` on the batch `(x, y)`.
    pub fn new(net: &'a NetBox, x: Tensor<4>, y: Tensor<1, Int>, rng: &'a mut StdRng) -> Self {
        Self {
            net,
            x,
            y,
            rng,
            outputs: None,
        }
    }

    /// The network's logits and auxiliary logits on the batch (one forward pass, on first
    /// use).
    pub fn outputs(&mut self) -> (Tensor<2>, Option<Tensor<2>>) {
        self.outputs
            .get_or_insert_with(|| self.net.forward_aux(self.x.clone()))
            .clone()
    }

    /// Whether [`outputs`](Self::outputs) has run.
    pub fn has_outputs(&self) -> bool {
        self.outputs.is_some()
    }
}

/// One step of the loss computation.
pub trait Criterion: Send + Sync {
    /// The loss after this criterion, given the previous criterion's (`None` when first).
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        prev: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError>;

    /// True for criteria that compute a loss from the data (they come first in a chain);
    /// false for those that adjust the previous loss.
    fn primary(&self) -> bool;
}

modnas_core::table_registry!(
    /// A registered criterion.
    CriterionEntry, "criterion", CriterionBuildFn -> Box<dyn Criterion>, EstimError;
    build_criterion, criterion_names
);

/// Registers a criterion: its doc comment (what `modnas list --detail` says of it), its name and a
/// closure from its argument type (what its `args` table deserializes into, whose keys
/// `list --detail` shows; errors name the component) to the criterion, or `|| …` when it takes no
/// arguments (any key is refused).
#[macro_export]
macro_rules! register_criterion {
    ($($t:tt)*) => {
        $crate::__core::submit_with_args!($crate::CriterionEntry, $crate::parse_args; $($t)*);
    };
}

/// An entry of `trainer.args.criteria`: `{ type = "...", args = { ... } }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionSpec {
    /// Registry id.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its arguments.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub args: toml::Table,
}

/// The criteria of a training run, in order: a primary one, then adjusters.
pub struct CriterionChain {
    items: Vec<Box<dyn Criterion>>,
}

impl std::fmt::Debug for CriterionChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CriterionChain({} criteria)", self.items.len())
    }
}

impl CriterionChain {
    /// The chain `specs` describes; empty means cross-entropy alone.
    pub fn new(specs: &[CriterionSpec]) -> Result<Self, EstimError> {
        let specs = if specs.is_empty() {
            vec![CriterionSpec {
                type_name: "CrossEntropyCriterion".into(),
                args: toml::Table::new(),
            }]
        } else {
            specs.to_vec()
        };
        let mut items = vec![];
        for (i, spec) in specs.iter().enumerate() {
            let c = build_criterion(&spec.type_name, &spec.args)?;
            if c.primary() != (i == 0) {
                let why = if i == 0 {
                    "the first criterion must compute a loss from the data (CrossEntropyCriterion, MSECriterion, MixUpCriterion)"
                } else {
                    "only the first criterion computes a loss from the data; the others adjust it"
                };
                return Err(EstimError::InvalidArgs {
                    component: "ImageClsTrainer".into(),
                    reason: format!("`criteria[{i}]` = `{}`: {why}", spec.type_name),
                });
            }
            items.push(c);
        }
        Ok(Self { items })
    }

    /// The batch's loss.
    pub fn loss(&self, input: &mut CriterionInput<'_>) -> Result<Tensor<1>, EstimError> {
        let mut loss = None;
        for c in &self.items {
            loss = Some(c.loss(input, loss)?);
        }
        Ok(loss.expect("a chain has a first criterion"))
    }
}

/// Cross-entropy of `logits` against per-class target probabilities `targets` (rows sum to 1).
pub fn soft_cross_entropy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    (log_softmax(logits, 1) * targets).sum_dim(1).neg().mean()
}

/// Labels as one-hot rows with label smoothing ε: `(1 − ε)·onehot + ε / classes`.
pub fn smoothed_targets(y: Tensor<1, Int>, classes: usize, smoothing: f64) -> Tensor<2> {
    y.one_hot::<2>(classes)
        .float()
        .mul_scalar(1.0 - smoothing)
        .add_scalar(smoothing / classes as f64)
}
