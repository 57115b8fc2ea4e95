//! [`ArchDesc`]: an assignment of values to discrete architecture parameters.

use crate::ParamValue;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Parameter name → value, in insertion order; serializes as a flat TOML/JSON table.
///
/// ```
/// use modnas_param_space::{ArchDesc, ParamValue};
/// let mut arch = ArchDesc::new();
/// arch.insert("convs.0", "NC5");
/// arch.insert("width", 3i64);
/// let text = arch.to_toml().unwrap();
/// assert_eq!(ArchDesc::from_toml(&text).unwrap(), arch);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArchDesc(IndexMap<String, ParamValue>);

impl ArchDesc {
    /// An empty assignment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Assigns `value` to `name` (replacing an earlier value, keeping its position).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<ParamValue>) {
        self.0.insert(name.into(), value.into());
    }

    /// The value assigned to `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ParamValue)> {
        self.0.iter()
    }

    /// Number of assigned parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is assigned.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Serializes as a TOML table.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// Parses a TOML table.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// A short one-line rendering: `a="NC3", b=5`.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<K: Into<String>, V: Into<ParamValue>> FromIterator<(K, V)> for ArchDesc {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_keeps_types_and_order() {
        let arch: ArchDesc = [
            ("z.last", ParamValue::from("NC7")),
            ("a.first", ParamValue::Int(3)),
            ("lr", ParamValue::Float(0.1)),
            ("whole", ParamValue::Float(2.0)),
        ]
        .into_iter()
        .collect();
        let text = arch.to_toml().unwrap();
        let back = ArchDesc::from_toml(&text).unwrap();
        assert_eq!(back, arch);
        let keys: Vec<_> = back.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z.last", "a.first", "lr", "whole"]);
    }
}
