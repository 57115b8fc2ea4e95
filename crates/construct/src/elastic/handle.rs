//! [`ElasticHandle`]: the current value of an elastic architecture parameter (an expansion
//! ratio, a width multiplier, a depth), shared by every group that listens to it and by the
//! transform handler that sets it when the parameter changes.

use crate::ConstructError;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A shared elastic value and the choices it may take.
#[derive(Clone, Debug)]
pub struct ElasticHandle {
    param: Arc<str>,
    choices: Arc<[i64]>,
    value: Arc<AtomicI64>,
}

impl ElasticHandle {
    /// A handle of parameter `param` over `choices` (positive, distinct; the first is the
    /// initial value, as it is the parameter's).
    pub fn new(param: &str, choices: &[i64]) -> Result<Self, ConstructError> {
        let mut sorted = choices.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if choices.is_empty() || sorted.len() != choices.len() || sorted[0] < 1 {
            return Err(ConstructError::InvalidSpec(format!(
                "elastic parameter `{param}`: choices {choices:?} must be distinct and positive"
            )));
        }
        Ok(Self {
            param: param.into(),
            choices: choices.into(),
            value: Arc::new(AtomicI64::new(choices[0])),
        })
    }

    /// A handle of `param` that allows only `value` (an exported sub-network's).
    pub fn fixed(param: &str, value: i64) -> Self {
        Self {
            param: param.into(),
            choices: vec![value].into(),
            value: Arc::new(AtomicI64::new(value)),
        }
    }

    /// The parameter name.
    pub fn param(&self) -> &str {
        &self.param
    }

    /// The choices, in the parameter's order.
    pub fn choices(&self) -> &[i64] {
        &self.choices
    }

    /// The largest choice.
    pub fn max(&self) -> i64 {
        self.choices.iter().copied().max().unwrap_or(1)
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }

    /// Sets the current value; it must be one of the choices.
    pub fn set(&self, value: i64) -> Result<(), String> {
        if !self.choices.contains(&value) {
            return Err(format!(
                "{value} is not a choice of `{}` ({:?})",
                self.param, self.choices
            ));
        }
        self.value.store(value, Ordering::Relaxed);
        Ok(())
    }

    /// The first `value` of `blocks` (all of them when the value is larger): elastic depth
    /// over a model's own `Vec` of blocks, `for b in self.depth.active_prefix(&self.blocks)`.
    /// An exported sub-network keeps `active_prefix(&blocks).to_vec()`.
    pub fn active_prefix<'a, T>(&self, blocks: &'a [T]) -> &'a [T] {
        let n = (self.get().max(0) as usize).min(blocks.len());
        &blocks[..n]
    }

    /// True when both share one value.
    pub fn same_as(&self, other: &ElasticHandle) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
}

// A handle is a leaf module, so that the construct routine finds every handle of a model by
// walking it, as it finds slots; it has no parameters and survives every traversal unchanged.
crate::collected_leaf::collected_leaf!(
    /// Every elastic handle of `model` (one entry per field holding one, clones included).
    pub fn elastic_handles() -> ElasticHandle
);

impl burn::module::ModuleDisplayDefault for ElasticHandle {
    fn content(&self, content: burn::module::Content) -> Option<burn::module::Content> {
        content
            .add_formatted(&format!("Elastic[{}]={}", self.param, self.get()))
            .optional()
    }
}

impl burn::module::ModuleDisplay for ElasticHandle {}
