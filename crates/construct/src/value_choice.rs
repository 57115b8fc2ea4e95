//! [`ValueChoice`]: a searched value that a model reads while it runs — a dropout rate, how
//! many heads of a layer to use, a switch between two code paths (NNI's `nni.choice`). Put one
//! in your model as a field; the construct routine finds it (as it finds slots), adds a
//! categorical parameter of its choices, and sets it on every update event of that parameter.
//! Several fields naming one parameter share it.
//!
//! A value that changes what must be *built* (a layer's width, a number of blocks) needs the
//! model built again: read it from the architecture when you build the model
//! ([`Constructed::apply_known`](crate::Constructed::apply_known) sets the rest), or make it
//! elastic ([`ElasticLinear`](crate::ElasticLinear), [`ElasticHandle`](crate::ElasticHandle)),
//! which keeps the weights.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::Device;
//! use modnas_construct::{construct, CandidateSets, ValueChoice};
//! use modnas_param_space::ArchDesc;
//!
//! #[derive(Module, Debug)]
//! struct Net {
//!     dropout_pct: ValueChoice,
//! }
//! # fn main() -> Result<(), modnas_construct::ConstructError> {
//! let device = Device::default();
//! let net = Net { dropout_pct: ValueChoice::new("dropout_pct", [0i64, 10, 30])? };
//! let mut c = construct(net, &CandidateSets::default(), &device)?;
//! assert_eq!(c.model.dropout_pct.as_i64(), Some(0), "the first choice to begin with");
//! c.apply(&[("dropout_pct", 30i64)].into_iter().collect::<ArchDesc>())?;
//! assert_eq!(c.model.dropout_pct.as_i64(), Some(30));
//! # Ok(())
//! # }
//! ```

use crate::ConstructError;
use modnas_param_space::ParamValue;
use std::sync::{Arc, PoisonError, RwLock};

/// A searched value shared by the model and the transform handler that sets it.
#[derive(Clone, Debug)]
pub struct ValueChoice {
    param: Arc<str>,
    choices: Arc<[ParamValue]>,
    value: Arc<RwLock<ParamValue>>,
}

impl ValueChoice {
    /// A value of parameter `param` over `choices`: non-empty, distinct, integers or strings
    /// (the space's categorical rule: a float is refused, so `dropout_pct = [0, 10, 30]`
    /// rather than `[0.0, 0.1, 0.3]`). The first is the initial value.
    pub fn new<V: Into<ParamValue>>(
        param: &str,
        choices: impl IntoIterator<Item = V>,
    ) -> Result<Self, ConstructError> {
        let choices: Vec<ParamValue> = choices.into_iter().map(Into::into).collect();
        let distinct = choices
            .iter()
            .enumerate()
            .all(|(i, c)| !choices[..i].contains(c));
        let floats = choices.iter().any(|c| matches!(c, ParamValue::Float(_)));
        let Some(first) = choices.first().cloned().filter(|_| distinct && !floats) else {
            return Err(ConstructError::InvalidSpec(format!(
                "value choice `{param}`: choices {choices:?} must be non-empty, distinct, and integers or strings"
            )));
        };
        Ok(Self {
            param: param.into(),
            choices: choices.into(),
            value: Arc::new(RwLock::new(first)),
        })
    }

    /// The parameter name.
    pub fn param(&self) -> &str {
        &self.param
    }

    /// The choices, in the parameter's order.
    pub fn choices(&self) -> &[ParamValue] {
        &self.choices
    }

    /// The current value.
    pub fn get(&self) -> ParamValue {
        self.value
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current value as a float (an integer converts), if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.get().as_f64()
    }

    /// The current value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.get().as_i64()
    }

    /// The current value as a string, if it is one.
    pub fn as_string(&self) -> Option<String> {
        self.get().as_str().map(str::to_string)
    }

    /// Sets the current value; it must be one of the choices.
    pub fn set(&self, value: ParamValue) -> Result<(), String> {
        if !self.choices.contains(&value) {
            return Err(format!(
                "{value} is not a choice of `{}` ({:?})",
                self.param, self.choices
            ));
        }
        *self.value.write().unwrap_or_else(PoisonError::into_inner) = value;
        Ok(())
    }

    /// True when both share one value.
    pub fn same_as(&self, other: &ValueChoice) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
}

// A leaf module, found by walking the model the way elastic handles are.
crate::collected_leaf::collected_leaf!(
    /// Every value choice of `model` (one entry per field holding one).
    pub fn value_choices() -> ValueChoice
);

impl burn::module::ModuleDisplayDefault for ValueChoice {
    fn content(&self, content: burn::module::Content) -> Option<burn::module::Content> {
        content
            .add_formatted(&format!("Choice[{}]={}", self.param, self.get()))
            .optional()
    }
}

impl burn::module::ModuleDisplay for ValueChoice {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_choices_are_taken_and_clones_share_the_value() {
        let v = ValueChoice::new("act", ["relu", "gelu"]).unwrap();
        let other = v.clone();
        v.set("gelu".into()).unwrap();
        assert_eq!(other.as_string().as_deref(), Some("gelu"));
        assert!(v.set("tanh".into()).unwrap_err().contains("not a choice"));
        assert!(ValueChoice::new("x", [1i64, 1]).is_err());
        assert!(ValueChoice::new::<i64>("x", []).is_err());
        assert!(
            ValueChoice::new("p", [0.1, 0.2]).is_err(),
            "floats, as in the space"
        );
    }
}
