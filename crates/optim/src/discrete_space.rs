//! [`DiscreteSpace`]: the categorical and numeric parameters of a space, as an optimizer
//! sees them, with mixed-radix indexing of finite spaces.

use modnas_param_space::{
    ArchDesc, Categorical, Numeric, NumericKind, ParamKind, ParamSpace, ParamValue,
};
use rand::Rng;

/// The domain of one discrete parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Choices.
    Categorical(Categorical),
    /// A range.
    Numeric(Numeric),
}

impl Domain {
    /// Number of values (`None` for float ranges).
    pub fn cardinality(&self) -> Option<u128> {
        match self {
            Domain::Categorical(c) => Some(c.len() as u128),
            Domain::Numeric(n) => n.cardinality(),
        }
    }

    /// The `i`-th value of a finite domain.
    pub fn value_at(&self, i: u128) -> ParamValue {
        match self {
            Domain::Categorical(c) => c.choices()[i as usize].clone(),
            Domain::Numeric(n) => ParamValue::Int(n.low() as i64 + i as i64),
        }
    }

    /// A uniform sample.
    pub fn sample(&self, rng: &mut impl Rng) -> ParamValue {
        match self {
            Domain::Categorical(c) => c.choices()[rng.random_range(0..c.len())].clone(),
            Domain::Numeric(n) => n.sample(rng),
        }
    }

    /// `points` values spread over the domain (all values of small finite domains).
    pub fn grid(&self, points: usize) -> Vec<ParamValue> {
        match self {
            Domain::Categorical(c) => c.choices().to_vec(),
            Domain::Numeric(n) if n.kind() == NumericKind::Int && !n.is_log() => {
                let card = n.cardinality().unwrap_or(0);
                if card <= points as u128 {
                    (0..card).map(|i| self.value_at(i)).collect()
                } else {
                    Self::spread(n, points)
                }
            }
            Domain::Numeric(n) => Self::spread(n, points),
        }
    }

    /// A value different from `current` when the domain has more than one (uniform among
    /// the others; a fresh sample for float ranges).
    pub fn other_value(&self, current: &ParamValue, rng: &mut impl Rng) -> ParamValue {
        match self.cardinality() {
            Some(card) if card > 1 => {
                let at = (0..card).find(|&i| &self.value_at(i) == current);
                let mut i = rng.random_range(0..card - 1);
                if at.is_some_and(|a| i >= a) {
                    i += 1;
                }
                self.value_at(i)
            }
            Some(_) => current.clone(),
            None => self.sample(rng),
        }
    }

    /// The values one step away from `current`: every other choice of a categorical, ±1 for
    /// integers, ±10% of the range (in its scale) for floats.
    pub fn neighbours(&self, current: &ParamValue) -> Vec<ParamValue> {
        match self {
            Domain::Categorical(c) => c
                .choices()
                .iter()
                .filter(|v| *v != current)
                .cloned()
                .collect(),
            Domain::Numeric(n) => {
                let steps: Vec<ParamValue> = match (n.kind(), current.as_f64()) {
                    (NumericKind::Int, Some(x)) if !n.is_log() => [x - 1.0, x + 1.0]
                        .into_iter()
                        .filter(|v| *v >= n.low() && *v <= n.high())
                        .map(|v| ParamValue::Int(v as i64))
                        .collect(),
                    (_, Some(x)) => {
                        let u = Self::unit_of(n, x);
                        [u - 0.1, u + 0.1]
                            .into_iter()
                            .filter(|u| (0.0..=1.0).contains(u))
                            .map(|u| n.from_unit(u))
                            .collect()
                    }
                    (_, None) => vec![],
                };
                steps.into_iter().filter(|v| v != current).collect()
            }
        }
    }

    /// The value of this domain written as `text` (a choice's name or number, or a number in
    /// range).
    pub fn parse_value(&self, text: &str) -> Option<ParamValue> {
        let text = text.trim();
        let value = match self {
            Domain::Categorical(c) => {
                return c
                    .choices()
                    .iter()
                    .find(|v| {
                        v.as_str()
                            .map_or_else(|| v.to_string() == text, |s| s == text)
                    })
                    .cloned()
            }
            Domain::Numeric(n) if n.kind() == NumericKind::Int => {
                ParamValue::Int(text.parse().ok()?)
            }
            Domain::Numeric(_) => ParamValue::Float(text.parse().ok()?),
        };
        match self {
            Domain::Numeric(n) => n.check(&value).ok().map(|_| value),
            Domain::Categorical(_) => Some(value),
        }
    }

    /// Width of this parameter's encoding: one-hot for categoricals, one unit value for
    /// numbers.
    pub fn encoded_len(&self) -> usize {
        match self {
            Domain::Categorical(c) => c.len(),
            Domain::Numeric(_) => 1,
        }
    }

    /// Appends the encoding of `value` to `out`: one-hot for categoricals, the position in the
    /// range (log-aware, in [0, 1]) for numbers.
    pub fn encode_into(&self, value: &ParamValue, out: &mut Vec<f64>) {
        match self {
            Domain::Categorical(c) => {
                let at = c.index_of(value);
                out.extend((0..c.len()).map(|i| (Some(i) == at) as u8 as f64));
            }
            Domain::Numeric(n) => out.push(value.as_f64().map_or(0.5, |x| Self::unit_of(n, x))),
        }
    }

    fn unit_of(n: &Numeric, x: f64) -> f64 {
        if n.high() == n.low() {
            return 0.5;
        }
        if n.is_log() {
            (x.ln() - n.low().ln()) / (n.high().ln() - n.low().ln())
        } else {
            (x - n.low()) / (n.high() - n.low())
        }
    }

    fn spread(n: &Numeric, points: usize) -> Vec<ParamValue> {
        let mut values: Vec<ParamValue> = (0..points)
            .map(|i| {
                n.from_unit(if points == 1 {
                    0.5
                } else {
                    i as f64 / (points - 1) as f64
                })
            })
            .collect();
        values.dedup();
        values
    }
}

/// The discrete parameters of a space, in its order (tensor parameters are left out).
#[derive(Clone, Debug, PartialEq)]
pub struct DiscreteSpace {
    params: Vec<(String, Domain)>,
}

impl DiscreteSpace {
    /// The discrete view of `space`.
    pub fn from_space(space: &ParamSpace) -> Self {
        let params = space
            .iter()
            .filter_map(|p| {
                let d = match p.kind() {
                    ParamKind::Categorical(c) => Domain::Categorical(c.clone()),
                    ParamKind::Numeric(n) => Domain::Numeric(n.clone()),
                    ParamKind::Tensor(_) => return None,
                };
                Some((p.name().to_string(), d))
            })
            .collect();
        Self { params }
    }

    /// `(name, domain)` pairs.
    pub fn params(&self) -> &[(String, Domain)] {
        &self.params
    }

    /// True when there are no discrete parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Number of architectures, `None` if a float range makes it infinite (or it overflows).
    pub fn cardinality(&self) -> Option<u128> {
        self.params
            .iter()
            .try_fold(1u128, |acc, (_, d)| acc.checked_mul(d.cardinality()?))
    }

    /// The architecture with mixed-radix index `index` (first parameter varies slowest).
    /// Only for finite spaces.
    pub fn decode(&self, mut index: u128) -> ArchDesc {
        let mut values = Vec::with_capacity(self.params.len());
        for (name, d) in self.params.iter().rev() {
            let card = d.cardinality().unwrap_or(1).max(1);
            values.push((name.clone(), d.value_at(index % card)));
            index /= card;
        }
        values.into_iter().rev().collect()
    }

    /// A uniformly sampled architecture.
    pub fn sample(&self, rng: &mut impl Rng) -> ArchDesc {
        self.params
            .iter()
            .map(|(n, d)| (n.clone(), d.sample(rng)))
            .collect()
    }
}

impl DiscreteSpace {
    /// A uniformly sampled architecture not in `seen` (after 1000 tries, any sample: the space
    /// may be nearly exhausted); it is added to `seen`.
    pub fn sample_unseen(&self, rng: &mut impl Rng, seen: &mut crate::SeenArchs) -> ArchDesc {
        seen.fresh(1000, || self.sample(rng))
    }

    /// `arch` with one parameter (chosen uniformly among those with more than one value)
    /// changed to another value: the mutation of regularized evolution.
    pub fn mutate_one(&self, arch: &ArchDesc, rng: &mut impl Rng) -> ArchDesc {
        let mutable: Vec<usize> = (0..self.params.len())
            .filter(|&i| self.params[i].1.cardinality() != Some(1))
            .collect();
        let Some(&pick) = mutable.get(rng.random_range(0..mutable.len().max(1))) else {
            return arch.clone();
        };
        let mut out = arch.clone();
        let (name, domain) = &self.params[pick];
        let current = arch
            .get(name)
            .cloned()
            .unwrap_or_else(|| domain.value_at(0));
        out.insert(name.clone(), domain.other_value(&current, rng));
        out
    }

    /// `arch` with each parameter changed with probability `prob`.
    pub fn mutate_each(&self, arch: &ArchDesc, prob: f64, rng: &mut impl Rng) -> ArchDesc {
        let mut out = arch.clone();
        for (name, domain) in &self.params {
            if rng.random::<f64>() < prob {
                let current = arch
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| domain.sample(rng));
                out.insert(name.clone(), domain.other_value(&current, rng));
            }
        }
        out
    }

    /// Uniform crossover: each parameter from `a` or `b` with equal probability.
    pub fn crossover(&self, a: &ArchDesc, b: &ArchDesc, rng: &mut impl Rng) -> ArchDesc {
        self.params
            .iter()
            .map(|(name, _)| {
                let from = if rng.random::<bool>() { a } else { b };
                let v = from.get(name).or_else(|| a.get(name)).cloned();
                (name.clone(), v.expect("parents assign every parameter"))
            })
            .collect()
    }

    /// Feature vector of `arch` for surrogate models (see [`Domain::encode_into`]).
    pub fn encode(&self, arch: &ArchDesc) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.params.iter().map(|(_, d)| d.encoded_len()).sum());
        for (name, domain) in &self.params {
            match arch.get(name) {
                Some(v) => domain.encode_into(v, &mut out),
                None => out.extend(std::iter::repeat_n(0.0, domain.encoded_len())),
            }
        }
        out
    }

    /// Every architecture one parameter step away from `arch`.
    pub fn neighbours(&self, arch: &ArchDesc) -> Vec<ArchDesc> {
        let mut out = vec![];
        for (name, domain) in &self.params {
            if let Some(current) = arch.get(name) {
                for v in domain.neighbours(current) {
                    let mut n = arch.clone();
                    n.insert(name.clone(), v);
                    out.push(n);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> ParamSpace {
        let mut s = ParamSpace::new();
        s.insert("a", Categorical::new(["x", "y"]).unwrap())
            .unwrap();
        s.insert("b", Numeric::int(0, 2).unwrap()).unwrap();
        s
    }

    #[test]
    fn decode_enumerates_every_arch_once() {
        let d = DiscreteSpace::from_space(&space());
        assert_eq!(d.cardinality(), Some(6));
        let all: Vec<String> = (0..6).map(|i| d.decode(i).summary()).collect();
        assert_eq!(all[0], "a=\"x\", b=0");
        assert_eq!(all[5], "a=\"y\", b=2");
        let mut uniq = all.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 6);
    }

    #[test]
    fn mutations_change_exactly_what_they_say() {
        use rand::SeedableRng;
        let d = DiscreteSpace::from_space(&space());
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let base = d.decode(0);
        for _ in 0..50 {
            let m = d.mutate_one(&base, &mut rng);
            let changed = base.iter().filter(|(k, v)| m.get(k) != Some(v)).count();
            assert_eq!(changed, 1, "{} -> {}", base.summary(), m.summary());
        }
        assert_eq!(d.mutate_each(&base, 0.0, &mut rng), base);
        let n = d.neighbours(&base);
        assert_eq!(n.len(), 2, "a: one other choice, b: 0 -> 1 only");
    }

    #[test]
    fn float_ranges_are_infinite_and_gridded() {
        let mut s = space();
        s.insert("lr", Numeric::float(0.1, 0.3).unwrap()).unwrap();
        let d = DiscreteSpace::from_space(&s);
        assert_eq!(d.cardinality(), None);
        let grid = d.params()[2].1.grid(3);
        assert_eq!(grid.len(), 3);
        assert!((grid[1].as_f64().unwrap() - 0.2).abs() < 1e-12);
    }
}
