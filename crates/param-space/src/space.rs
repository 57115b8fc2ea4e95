//! [`ParamSpace`]: the named, ordered set of architecture parameters.

use crate::{
    ArchDesc, EventBus, ParamKind, ParamSpaceError, ParamUpdate, ParamValue, TensorParam, Watch,
};
use crossbeam_channel::Receiver;
use std::collections::HashMap;

/// One entry of the space: a named parameter and its current value.
#[derive(Debug)]
pub struct ArchParam {
    name: String,
    kind: ParamKind,
    value: Option<ParamValue>,
}

impl ArchParam {
    /// The unique name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind and its definition.
    pub fn kind(&self) -> &ParamKind {
        &self.kind
    }

    /// The current value of a discrete parameter (`None` for tensors).
    pub fn value(&self) -> Option<&ParamValue> {
        self.value.as_ref()
    }
}

/// Named architecture parameters in insertion order, publishing a [`ParamUpdate`] on its
/// [`EventBus`] whenever a value changes: a discrete one through [`set`](Self::set), a tensor
/// one when it is written (an optimizer step).
#[derive(Debug)]
pub struct ParamSpace {
    params: Vec<ArchParam>,
    index: HashMap<String, usize>,
    bus: EventBus,
}

impl Default for ParamSpace {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamSpace {
    /// An empty space with its own event bus.
    pub fn new() -> Self {
        Self {
            params: Vec::new(),
            index: HashMap::new(),
            bus: EventBus::default(),
        }
    }

    /// Adds a parameter at its default value. Names are unique.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        kind: impl Into<ParamKind>,
    ) -> Result<(), ParamSpaceError> {
        let name = name.into();
        if self.index.contains_key(&name) {
            return Err(ParamSpaceError::Duplicate(name));
        }
        let kind = kind.into();
        if let ParamKind::Tensor(t) = &kind {
            t.bind(&name, self.bus.clone());
        }
        let value = kind.default_value();
        self.index.insert(name.clone(), self.params.len());
        self.params.push(ArchParam { name, kind, value });
        Ok(())
    }

    /// Removes a parameter and returns it.
    pub fn remove(&mut self, name: &str) -> Result<ArchParam, ParamSpaceError> {
        let i = self.position(name)?;
        self.index.remove(name);
        let removed = self.params.remove(i);
        for p in &self.params[i..] {
            *self.index.get_mut(&p.name).expect("indexed name") -= 1;
        }
        Ok(removed)
    }

    fn position(&self, name: &str) -> Result<usize, ParamSpaceError> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> ParamSpaceError {
        ParamSpaceError::Unknown {
            name: name.to_string(),
            known: self.names().collect::<Vec<_>>().join(", "),
        }
    }

    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&ArchParam> {
        self.index.get(name).map(|&i| &self.params[i])
    }

    /// Mutable access to the parameter called `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ArchParam> {
        self.index.get(name).map(|&i| &mut self.params[i])
    }

    /// Parameters in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &ArchParam> {
        self.params.iter()
    }

    /// Names in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|p| p.name.as_str())
    }

    /// The tensor parameters (α of mixed operators) with their names, in insertion order.
    pub fn tensor_params(&self) -> Vec<(String, TensorParam)> {
        self.params
            .iter()
            .filter_map(|p| match &p.kind {
                ParamKind::Tensor(t) => Some((p.name.clone(), t.clone())),
                _ => None,
            })
            .collect()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// How many architectures the space describes: the product of each parameter's number of
    /// values, a tensor parameter counting its length (a derived architecture picks one of its
    /// entries). `None` when a float range makes it infinite or the product overflows.
    pub fn size(&self) -> Option<u128> {
        self.params.iter().try_fold(1u128, |acc, p| {
            let n = match &p.kind {
                ParamKind::Categorical(c) => c.len() as u128,
                ParamKind::Numeric(n) => n.cardinality()?,
                ParamKind::Tensor(t) => t.len() as u128,
            };
            acc.checked_mul(n)
        })
    }

    /// True when the space is empty.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The current value of the discrete parameter `name`.
    pub fn value(&self, name: &str) -> Result<&ParamValue, ParamSpaceError> {
        let p = &self.params[self.position(name)?];
        p.value
            .as_ref()
            .ok_or_else(|| ParamSpaceError::NotDiscrete(name.to_string()))
    }

    /// Sets a discrete parameter. Returns whether the value changed; a change emits a
    /// [`ParamUpdate`] event.
    pub fn set(&mut self, name: &str, value: ParamValue) -> Result<bool, ParamSpaceError> {
        let i = self.position(name)?;
        let p = &mut self.params[i];
        if let ParamKind::Tensor(_) = p.kind {
            return Err(ParamSpaceError::NotDiscrete(name.to_string()));
        }
        p.kind
            .check(&value)
            .map_err(|reason| ParamSpaceError::InvalidValue {
                name: name.to_string(),
                value: value.clone(),
                reason,
            })?;
        if p.value.as_ref() == Some(&value) {
            return Ok(false);
        }
        let old = p.value.replace(value.clone());
        tracing::trace!(param = name, %value, "parameter updated");
        self.bus.publish(ParamUpdate {
            name: name.to_string(),
            old,
            new: Some(value),
        });
        Ok(true)
    }

    /// Checks that every parameter named in `arch` exists and accepts its value.
    pub fn check(&self, arch: &ArchDesc) -> Result<(), ParamSpaceError> {
        for (name, value) in arch.iter() {
            let p = &self.params[self.position(name)?];
            p.kind
                .check(value)
                .map_err(|reason| ParamSpaceError::InvalidValue {
                    name: name.clone(),
                    value: value.clone(),
                    reason,
                })?;
        }
        Ok(())
    }

    /// Sets every parameter named in `arch`; all values are checked before any is set.
    /// Returns how many values changed.
    pub fn apply(&mut self, arch: &ArchDesc) -> Result<usize, ParamSpaceError> {
        self.check(arch)?;
        let mut changed = 0;
        for (name, value) in arch.iter() {
            changed += self.set(name, value.clone())? as usize;
        }
        Ok(changed)
    }

    /// The current values of all discrete parameters.
    pub fn to_desc(&self) -> ArchDesc {
        self.params
            .iter()
            .filter_map(|p| p.value.clone().map(|v| (p.name.clone(), v)))
            .collect()
    }

    /// A receiver of every update from now on, of its own: subscribers do not take events
    /// from each other.
    pub fn subscribe(&self) -> Receiver<ParamUpdate> {
        self.bus.subscribe()
    }

    /// A receiver of the updates of the parameters `watch` names (see [`Watch`]).
    pub fn subscribe_to(&self, watch: Watch) -> Receiver<ParamUpdate> {
        self.bus.subscribe_to(watch)
    }

    /// The space's event bus.
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Categorical, Numeric};

    fn space() -> ParamSpace {
        let mut s = ParamSpace::new();
        s.insert("a", Categorical::new(["x", "y"]).unwrap())
            .unwrap();
        s.insert("b", Numeric::int(1, 3).unwrap()).unwrap();
        s.insert("c", Categorical::new([1i64, 2]).unwrap()).unwrap();
        s
    }

    #[test]
    fn size_multiplies_the_values_and_a_float_range_is_infinite() {
        let mut s = space();
        assert_eq!(s.size(), Some(2 * 3 * 2));
        assert_eq!(ParamSpace::new().size(), Some(1), "one empty architecture");
        s.insert("lr", Numeric::float(0.1, 1.0).unwrap()).unwrap();
        assert_eq!(s.size(), None);
    }

    #[test]
    fn names_are_unique_and_ordered() {
        let mut s = space();
        assert!(matches!(
            s.insert("a", Numeric::int(0, 1).unwrap()),
            Err(ParamSpaceError::Duplicate(_))
        ));
        assert_eq!(s.names().collect::<Vec<_>>(), ["a", "b", "c"]);
        s.remove("b").unwrap();
        assert_eq!(s.names().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(s.value("c").unwrap(), &ParamValue::Int(1));
    }

    #[test]
    fn only_changes_emit_events() {
        let mut s = space();
        let rx = s.subscribe();
        assert!(!s.set("a", "x".into()).unwrap());
        assert!(rx.try_recv().is_err());
        assert!(s.set("a", "y".into()).unwrap());
        let ev = rx.try_recv().unwrap();
        assert_eq!(ev.name, "a");
        assert_eq!(ev.old, Some("x".into()));
        assert_eq!(ev.new, Some("y".into()));
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        let mut s = space();
        let err = s.set("a", "z".into()).unwrap_err().to_string();
        assert!(
            err.contains("\"z\"") && err.contains("allowed: [\"x\", \"y\"]"),
            "{err}"
        );
        let err = s.set("nope", "z".into()).unwrap_err().to_string();
        assert!(err.contains("known parameters: [a, b, c]"), "{err}");
    }

    #[test]
    fn apply_checks_everything_first() {
        let mut s = space();
        let arch: ArchDesc = [("a", ParamValue::from("y")), ("b", ParamValue::Int(9))]
            .into_iter()
            .collect();
        assert!(s.apply(&arch).is_err());
        assert_eq!(s.value("a").unwrap(), &ParamValue::from("x"));
        let arch: ArchDesc = [("a", ParamValue::from("y")), ("b", ParamValue::Int(2))]
            .into_iter()
            .collect();
        assert_eq!(s.apply(&arch).unwrap(), 1);
        assert_eq!(s.to_desc().get("a"), Some(&ParamValue::from("y")));
    }

    #[test]
    fn tensor_params_lists_only_tensors_in_order() {
        let mut s = space();
        let device = burn::tensor::Device::default();
        s.insert("alpha", TensorParam::zeros(3, &device)).unwrap();
        s.insert("beta", TensorParam::zeros(2, &device)).unwrap();
        let names: Vec<String> = s.tensor_params().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["alpha", "beta"]);
        assert!(space().tensor_params().is_empty());
    }

    #[test]
    fn tensor_updates_are_events_too() {
        let mut s = ParamSpace::new();
        let rx = s.subscribe();
        let alpha = TensorParam::zeros(2, &burn::tensor::Device::default());
        s.insert("alpha", alpha.clone()).unwrap();
        // The optimizer holds a clone: its writes reach the space's subscribers.
        alpha.update(|t| t.add_scalar(1.0));
        let ev = rx.try_recv().unwrap();
        assert_eq!((ev.name.as_str(), ev.old, ev.new), ("alpha", None, None));
        assert!(rx.try_recv().is_err());
    }
}
