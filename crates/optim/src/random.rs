//! `RandomSearchOptim`: uniform random architectures, without repeats until the space is
//! exhausted.

use crate::{register_optim, ArchOptim, DiscreteSpace, OptimError, SeenArchs};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::HashMap;

/// Arguments of [`RandomSearchOptim`] (none yet; unknown keys are rejected).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomSearchArgs {}

/// Uniform random search. On a finite space every architecture is proposed exactly once, in
/// random order (a lazy Fisher–Yates shuffle of the mixed-radix indices); on an infinite space
/// repeated samples are skipped.
pub struct RandomSearchOptim {
    space: DiscreteSpace,
    rng: StdRng,
    remaining: Option<u128>,
    swapped: HashMap<u128, u128>,
    seen: SeenArchs,
}

impl RandomSearchOptim {
    /// A random search over `space`'s discrete parameters.
    pub fn new(space: &ParamSpace, seed: u64) -> Self {
        let space = DiscreteSpace::from_space(space);
        Self {
            remaining: space.cardinality(),
            space,
            rng: StdRng::seed_from_u64(seed),
            swapped: HashMap::new(),
            seen: SeenArchs::default(),
        }
    }

    fn next_one(&mut self) -> Option<ArchDesc> {
        match self.remaining {
            Some(0) => None,
            Some(n) => {
                let r = self.rng.random_range(0..n);
                let index = *self.swapped.get(&r).unwrap_or(&r);
                let last = *self.swapped.get(&(n - 1)).unwrap_or(&(n - 1));
                self.swapped.insert(r, last);
                self.remaining = Some(n - 1);
                Some(self.space.decode(index))
            }
            None => {
                // Float ranges: a repeat is vanishingly rare, but never propose one.
                for _ in 0..1000 {
                    let arch = self.space.sample(&mut self.rng);
                    if self.seen.insert(&arch) {
                        return Some(arch);
                    }
                }
                None
            }
        }
    }
}

impl ArchOptim for RandomSearchOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        Ok(std::iter::from_fn(|| self.next_one()).take(n).collect())
    }

    fn step(&mut self, _: &ArchDesc, _: &MetricMap) -> Result<(), OptimError> {
        Ok(())
    }
}

register_optim!(
    /// uniformly random architectures
    "RandomSearchOptim", |space, _: RandomSearchArgs, seed| Ok(RandomSearchOptim::new(space, seed))
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::{Categorical, Numeric};

    fn space() -> ParamSpace {
        let mut s = ParamSpace::new();
        s.insert("a", Categorical::new(["x", "y", "z"]).unwrap())
            .unwrap();
        s.insert("b", Numeric::int(0, 3).unwrap()).unwrap();
        s
    }

    #[test]
    fn finite_space_is_covered_without_repeats_then_exhausted() {
        let mut o = RandomSearchOptim::new(&space(), 7);
        let archs = o.next(100).unwrap();
        assert_eq!(archs.len(), 12);
        let uniq: std::collections::HashSet<String> = archs.iter().map(ArchDesc::summary).collect();
        assert_eq!(uniq.len(), 12);
        assert!(o.next(1).unwrap().is_empty());
    }

    #[test]
    fn same_seed_same_order() {
        let a = RandomSearchOptim::new(&space(), 3).next(12).unwrap();
        let b = RandomSearchOptim::new(&space(), 3).next(12).unwrap();
        let c = RandomSearchOptim::new(&space(), 4).next(12).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn unknown_args_are_rejected() {
        let mut args = toml::Table::new();
        args.insert("populaton".into(), 5.into());
        let err = crate::build_optim("RandomSearchOptim", &space(), &args, 0)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("RandomSearchOptim") && err.contains("populaton"),
            "{err}"
        );
    }
}
