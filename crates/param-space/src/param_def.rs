//! [`ParamDef`]: a parameter definition as written in a config file.

use crate::{Categorical, Numeric, ParamKind, ParamSpace, ParamSpaceError, ParamValue};
use serde::{Deserialize, Serialize};

/// A discrete parameter in TOML: `{ type = "Categorical", choices = [...] }`,
/// `{ type = "Int", low = 1, high = 4 }` or `{ type = "Float", low = 1e-4, high = 0.1, log = true }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum ParamDef {
    /// A choice among strings or integers.
    Categorical {
        /// The choices; the first is the default.
        choices: Vec<ParamValue>,
    },
    /// An integer range.
    Int {
        /// Lower bound.
        low: i64,
        /// Upper bound (inclusive).
        high: i64,
        /// Log scale.
        #[serde(default)]
        log: bool,
    },
    /// A float range.
    Float {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Log scale.
        #[serde(default)]
        log: bool,
    },
}

impl ParamDef {
    /// The parameter kind this definition describes.
    pub fn to_kind(&self) -> Result<ParamKind, ParamSpaceError> {
        let with_log = |n: Numeric, log: bool| if log { n.log_scale() } else { Ok(n) };
        Ok(match self {
            ParamDef::Categorical { choices } => Categorical::new(choices.iter().cloned())?.into(),
            ParamDef::Int { low, high, log } => with_log(Numeric::int(*low, *high)?, *log)?.into(),
            ParamDef::Float { low, high, log } => {
                with_log(Numeric::float(*low, *high)?, *log)?.into()
            }
        })
    }

    /// Adds the parameter `name` to `space`.
    pub fn insert_into(&self, space: &mut ParamSpace, name: &str) -> Result<(), ParamSpaceError> {
        space.insert(name, self.to_kind()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_parse_and_build() {
        let t: toml::Table = toml::from_str(
            r#"
            op = { type = "Categorical", choices = ["a", "b"] }
            width = { type = "Int", low = 1, high = 4 }
            lr = { type = "Float", low = 1e-4, high = 0.1, log = true }
            "#,
        )
        .unwrap();
        let mut space = ParamSpace::new();
        for (name, v) in &t {
            let def: ParamDef = v.clone().try_into().unwrap();
            def.insert_into(&mut space, name).unwrap();
        }
        // In file order.
        assert_eq!(space.names().collect::<Vec<_>>(), ["op", "width", "lr"]);
        assert_eq!(
            space.value("width").unwrap(),
            &ParamValue::Int(3),
            "the middle of [1, 4] rounds up"
        );
    }

    #[test]
    fn bad_definitions_are_rejected() {
        let bad: Result<ParamDef, _> = toml::from_str("type = \"Int\"\nlow = 1");
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("missing field `high`"));
        let bad: Result<ParamDef, _> = toml::from_str("type = \"Bool\"");
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("unknown variant `Bool`"));
        let def = ParamDef::Float {
            low: 0.0,
            high: 1.0,
            log: true,
        };
        assert!(def.to_kind().unwrap_err().to_string().contains("log scale"));
    }
}
