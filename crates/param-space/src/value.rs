//! Values of discrete architecture parameters.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The value of a categorical or numeric parameter.
///
/// Serialized untagged, so TOML `3`, `0.5` and `"NC3"` map to `Int`, `Float` and `Str`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// An integer value.
    Int(i64),
    /// A floating-point value.
    Float(f64),
    /// A string value (a candidate name, for example).
    Str(String),
}

impl ParamValue {
    /// The value as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a float (integers convert exactly up to 2^53).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(f) => Some(*f),
            ParamValue::Str(_) => None,
        }
    }

    /// The value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ParamValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<&str> for ParamValue {
    fn from(s: &str) -> Self {
        ParamValue::Str(s.to_string())
    }
}

impl From<String> for ParamValue {
    fn from(s: String) -> Self {
        ParamValue::Str(s)
    }
}

impl From<i64> for ParamValue {
    fn from(i: i64) -> Self {
        ParamValue::Int(i)
    }
}

impl From<f64> for ParamValue {
    fn from(x: f64) -> Self {
        ParamValue::Float(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_strings_only() {
        assert_eq!(ParamValue::from("NC3").to_string(), "\"NC3\"");
        assert_eq!(ParamValue::from(3i64).to_string(), "3");
        assert_eq!(ParamValue::from(0.5).to_string(), "0.5");
    }

    #[test]
    fn numbers_convert_to_float() {
        assert_eq!(ParamValue::Int(4).as_f64(), Some(4.0));
        assert_eq!(ParamValue::from("x").as_f64(), None);
    }
}
