//! Discrete parameter kinds: [`Categorical`] and [`Numeric`], and the [`ParamKind`] sum.

use crate::{ParamSpaceError, ParamValue, TensorParam};
use rand::Rng;

/// A choice among distinct values (strings or integers).
#[derive(Clone, Debug, PartialEq)]
pub struct Categorical {
    choices: Vec<ParamValue>,
    default: usize,
}

impl Categorical {
    /// A categorical parameter over `choices`; the first choice is the default.
    ///
    /// Errors when `choices` is empty, repeats a value or holds a float.
    pub fn new<V: Into<ParamValue>>(
        choices: impl IntoIterator<Item = V>,
    ) -> Result<Self, ParamSpaceError> {
        let choices: Vec<ParamValue> = choices.into_iter().map(Into::into).collect();
        if choices.is_empty() {
            return Err(ParamSpaceError::InvalidDefinition(
                "a categorical parameter needs at least one choice".into(),
            ));
        }
        for (i, c) in choices.iter().enumerate() {
            if matches!(c, ParamValue::Float(_)) {
                return Err(ParamSpaceError::InvalidDefinition(format!(
                    "categorical choice {c} is a float; use strings or integers"
                )));
            }
            if choices[..i].contains(c) {
                return Err(ParamSpaceError::InvalidDefinition(format!(
                    "categorical choice {c} is repeated"
                )));
            }
        }
        Ok(Self {
            choices,
            default: 0,
        })
    }

    /// Sets the default choice by index.
    pub fn with_default(mut self, index: usize) -> Result<Self, ParamSpaceError> {
        if index >= self.choices.len() {
            return Err(ParamSpaceError::InvalidDefinition(format!(
                "default index {index} is out of range for {} choices",
                self.choices.len()
            )));
        }
        self.default = index;
        Ok(self)
    }

    /// The choices, in order.
    pub fn choices(&self) -> &[ParamValue] {
        &self.choices
    }

    /// Number of choices.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// Always false: a categorical parameter has at least one choice.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// Index of `value` among the choices.
    pub fn index_of(&self, value: &ParamValue) -> Option<usize> {
        self.choices.iter().position(|c| c == value)
    }

    /// The value a new space starts from: the choice at the `default` index.
    pub fn default_value(&self) -> ParamValue {
        self.choices[self.default].clone()
    }
}

/// Whether a [`Numeric`] parameter holds integers or floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumericKind {
    /// Integers in `[low, high]`.
    Int,
    /// Floats in `[low, high]`.
    Float,
}

/// A number in a closed range, optionally on a log scale (for sampling and grids).
#[derive(Clone, Debug, PartialEq)]
pub struct Numeric {
    low: f64,
    high: f64,
    kind: NumericKind,
    log: bool,
}

impl Numeric {
    /// Integers in `[low, high]`.
    pub fn int(low: i64, high: i64) -> Result<Self, ParamSpaceError> {
        Self::checked(low as f64, high as f64, NumericKind::Int)
    }

    /// Floats in `[low, high]`.
    pub fn float(low: f64, high: f64) -> Result<Self, ParamSpaceError> {
        Self::checked(low, high, NumericKind::Float)
    }

    fn checked(low: f64, high: f64, kind: NumericKind) -> Result<Self, ParamSpaceError> {
        if !(low.is_finite() && high.is_finite() && low <= high) {
            return Err(ParamSpaceError::InvalidDefinition(format!(
                "numeric range [{low}, {high}] is empty or not finite"
            )));
        }
        Ok(Self {
            low,
            high,
            kind,
            log: false,
        })
    }

    /// Samples and grids on a log scale; needs `low > 0`.
    pub fn log_scale(mut self) -> Result<Self, ParamSpaceError> {
        if self.low <= 0.0 {
            return Err(ParamSpaceError::InvalidDefinition(format!(
                "log scale needs a positive lower bound, got {}",
                self.low
            )));
        }
        self.log = true;
        Ok(self)
    }

    /// Lower bound.
    pub fn low(&self) -> f64 {
        self.low
    }

    /// Upper bound.
    pub fn high(&self) -> f64 {
        self.high
    }

    /// Integer or float.
    pub fn kind(&self) -> NumericKind {
        self.kind
    }

    /// Whether the scale is logarithmic.
    pub fn is_log(&self) -> bool {
        self.log
    }

    /// The default value: the (geometric, on a log scale) middle of the range.
    pub fn default_value(&self) -> ParamValue {
        self.from_unit(0.5)
    }

    /// Maps `u` in `[0, 1]` onto the range (log-aware, integers rounded).
    pub fn from_unit(&self, u: f64) -> ParamValue {
        let u = u.clamp(0.0, 1.0);
        let x = if self.log {
            (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + u * (self.high - self.low)
        };
        match self.kind {
            NumericKind::Int => {
                ParamValue::Int((x.round() as i64).clamp(self.low as i64, self.high as i64))
            }
            NumericKind::Float => ParamValue::Float(x.clamp(self.low, self.high)),
        }
    }

    /// A uniform sample (uniform in log space on a log scale).
    pub fn sample(&self, rng: &mut impl Rng) -> ParamValue {
        match (self.kind, self.log) {
            (NumericKind::Int, false) => {
                ParamValue::Int(rng.random_range(self.low as i64..=self.high as i64))
            }
            _ => self.from_unit(rng.random::<f64>()),
        }
    }

    /// Number of distinct values for integer ranges, `None` for floats.
    pub fn cardinality(&self) -> Option<u128> {
        match self.kind {
            NumericKind::Int => Some((self.high as i64 - self.low as i64) as u128 + 1),
            NumericKind::Float => None,
        }
    }

    /// Checks that `value` has the right type and lies in range.
    pub fn check(&self, value: &ParamValue) -> Result<(), String> {
        let x = match (self.kind, value) {
            (NumericKind::Int, ParamValue::Int(i)) => *i as f64,
            (NumericKind::Float, ParamValue::Float(x)) => *x,
            (NumericKind::Float, ParamValue::Int(i)) => *i as f64,
            (NumericKind::Int, _) => return Err("expected an integer".into()),
            (NumericKind::Float, _) => return Err("expected a number".into()),
        };
        if x < self.low || x > self.high {
            return Err(format!("out of range [{}, {}]", self.low, self.high));
        }
        Ok(())
    }
}

/// What kind of parameter an entry of the space is.
#[derive(Debug)]
pub enum ParamKind {
    /// A choice among values.
    Categorical(Categorical),
    /// A number in a range.
    Numeric(Numeric),
    /// A differentiable tensor (architecture weights of mixed ops).
    Tensor(TensorParam),
}

impl ParamKind {
    /// The default value of a discrete parameter, `None` for tensors.
    pub fn default_value(&self) -> Option<ParamValue> {
        match self {
            ParamKind::Categorical(c) => Some(c.default_value()),
            ParamKind::Numeric(n) => Some(n.default_value()),
            ParamKind::Tensor(_) => None,
        }
    }

    /// Checks a value for a discrete parameter; the message says what is allowed.
    pub fn check(&self, value: &ParamValue) -> Result<(), String> {
        match self {
            ParamKind::Categorical(c) => match c.index_of(value) {
                Some(_) => Ok(()),
                None => Err(format!(
                    "allowed: [{}]",
                    c.choices()
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            ParamKind::Numeric(n) => n.check(value),
            ParamKind::Tensor(_) => Err("tensor parameters take no discrete value".into()),
        }
    }
}

impl From<Categorical> for ParamKind {
    fn from(c: Categorical) -> Self {
        ParamKind::Categorical(c)
    }
}

impl From<Numeric> for ParamKind {
    fn from(n: Numeric) -> Self {
        ParamKind::Numeric(n)
    }
}

impl From<TensorParam> for ParamKind {
    fn from(t: TensorParam) -> Self {
        ParamKind::Tensor(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn categorical_rejects_empty_repeated_and_float_choices() {
        assert!(Categorical::new(Vec::<&str>::new()).is_err());
        assert!(Categorical::new(["a", "a"]).is_err());
        assert!(Categorical::new([ParamValue::Float(1.0)]).is_err());
        let c = Categorical::new([3i64, 5, 7]).unwrap();
        assert_eq!(c.index_of(&ParamValue::Int(5)), Some(1));
        assert_eq!(c.default_value(), ParamValue::Int(3));
    }

    #[test]
    fn numeric_checks_range_and_type() {
        let n = Numeric::int(1, 4).unwrap();
        assert!(n.check(&ParamValue::Int(4)).is_ok());
        assert!(n.check(&ParamValue::Int(5)).is_err());
        assert!(n.check(&ParamValue::Float(2.0)).is_err());
        assert_eq!(n.cardinality(), Some(4));
        assert!(Numeric::float(2.0, 1.0).is_err());
        assert!(Numeric::float(0.0, 1.0).unwrap().log_scale().is_err());
    }

    #[test]
    fn log_numeric_samples_stay_in_range() {
        let n = Numeric::float(1e-4, 1e-1).unwrap().log_scale().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        for _ in 0..100 {
            let x = n.sample(&mut rng).as_f64().unwrap();
            assert!((1e-4..=1e-1).contains(&x), "{x}");
        }
        let mid = n.default_value().as_f64().unwrap();
        assert!((mid - 10f64.powf(-2.5)).abs() < 1e-9);
    }
}
