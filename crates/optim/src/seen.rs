//! [`SeenArchs`]: the architectures an optimizer has proposed or learnt from, so that it can
//! prefer new ones. A run answers a repeat from its record without spending the budget, but the
//! proposal is still wasted, and a run that re-evaluates (`revisit = "evaluate"`) trains the
//! network again.
//!
//! ```
//! use modnas_optim::SeenArchs;
//! use modnas_param_space::ArchDesc;
//! let a: ArchDesc = [("op", "conv3")].into_iter().collect();
//! let mut seen = SeenArchs::default();
//! assert!(seen.insert(&a));
//! assert!(!seen.insert(&a));
//! // The first unseen one of up to 3 draws (or the last draw when all are seen).
//! let mut draws = vec![a.clone(), a.clone(), [("op", "pool")].into_iter().collect::<ArchDesc>()];
//! assert_eq!(seen.fresh(3, || draws.remove(0)).get("op").unwrap().as_str(), Some("pool"));
//! ```

use modnas_param_space::{ArchDesc, ParamValue};
use rand::Rng;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// How many draws [`SeenArchs::fresh`] makes by default before it accepts a repeat: enough for
/// a mutation of an architecture with a handful of unseen neighbours to find one, few enough
/// that a search around an exhausted neighbourhood stays fast.
pub(crate) const FRESH_TRIES: usize = 16;

/// A set of architectures of one space, kept as 64-bit hashes of their values in order (the
/// architectures of a space name the same parameters in the same order; a false "seen" needs
/// a hash collision: about one in 10^7 for a million architectures).
#[derive(Clone, Debug, Default)]
pub struct SeenArchs {
    keys: HashSet<u64>,
    /// Calls of `fresh`/`try_fresh` in a row that found nothing new: while the neighbourhoods
    /// an optimizer draws from are used up, each call tries less (halving per miss, down to
    /// one draw), so a long search of a small space stays as fast as one without the set.
    misses: u32,
}

impl SeenArchs {
    /// Adds `arch`; true when it was not in the set.
    pub fn insert(&mut self, arch: &ArchDesc) -> bool {
        self.keys.insert(key(arch))
    }

    /// True when `arch` is in the set.
    pub fn contains(&self, arch: &ArchDesc) -> bool {
        self.keys.contains(&key(arch))
    }

    /// Number of architectures in the set.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The first of up to `tries` calls of `draw` whose architecture is not in the set, or the
    /// last draw when every one is; the result is added to the set.
    pub fn fresh(&mut self, tries: usize, mut draw: impl FnMut() -> ArchDesc) -> ArchDesc {
        let mut last = None;
        let found = self.try_fresh(tries, || {
            let arch = draw();
            last = Some(arch.clone());
            arch
        });
        let arch = found.or(last).unwrap_or_else(&mut draw);
        self.insert(&arch);
        arch
    }

    /// The first of up to `tries` calls of `draw` whose architecture is not in the set, added
    /// to it; `None` when every draw was seen. After calls that found nothing, fewer draws are
    /// made (`tries` halved per such call in a row, at least one).
    pub fn try_fresh(
        &mut self,
        tries: usize,
        mut draw: impl FnMut() -> ArchDesc,
    ) -> Option<ArchDesc> {
        let tries = (tries >> self.misses.min(usize::BITS - 1)).max(1);
        let Some(arch) = (0..tries).map(|_| draw()).find(|a| !self.contains(a)) else {
            self.misses = self.misses.saturating_add(1);
            return None;
        };
        self.misses = 0;
        self.insert(&arch);
        Some(arch)
    }

    /// A uniformly chosen one of `archs` that is not in the set, added to it; `None` when all
    /// are seen.
    pub fn pick_unseen(&mut self, archs: Vec<ArchDesc>, rng: &mut impl Rng) -> Option<ArchDesc> {
        let mut unseen: Vec<ArchDesc> = archs.into_iter().filter(|a| !self.contains(a)).collect();
        if unseen.is_empty() {
            return None;
        }
        let arch = unseen.swap_remove(rng.random_range(0..unseen.len()));
        self.insert(&arch);
        Some(arch)
    }
}

/// The hash of the values of `arch`, in its order (the space's order for every architecture
/// an optimizer builds).
fn key(arch: &ArchDesc) -> u64 {
    let mut h = DefaultHasher::new();
    for (_, value) in arch.iter() {
        match value {
            ParamValue::Int(i) => (0u8, *i).hash(&mut h),
            ParamValue::Float(f) => (1u8, f.to_bits()).hash(&mut h),
            ParamValue::Str(s) => (2u8, s).hash(&mut h),
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_assignments_share_a_key_and_different_ones_do_not() {
        let a: ArchDesc = [("x", 1i64), ("y", 2)].into_iter().collect();
        let b: ArchDesc = [("x", 1i64), ("y", 3)].into_iter().collect();
        let s: ArchDesc = [("x", "1"), ("y", "2")].into_iter().collect();
        assert_eq!(key(&a), key(&a.clone()));
        assert_ne!(key(&a), key(&b));
        assert_ne!(
            key(&a),
            key(&s),
            "an int and a string of the same digits differ"
        );
    }

    #[test]
    fn fresh_gives_up_after_its_tries_and_records_what_it_returns() {
        let a: ArchDesc = [("x", 1i64)].into_iter().collect();
        let b: ArchDesc = [("x", 2i64)].into_iter().collect();
        let mut seen = SeenArchs::default();
        seen.insert(&a);
        let mut calls = 0;
        let mut count = |arch: &ArchDesc| {
            calls += 1;
            arch.clone()
        };
        assert_eq!(seen.fresh(4, || count(&a)), a);
        assert_eq!(seen.fresh(4, || count(&a)), a);
        // 4 draws, then 2 after one miss; a success restores the full count.
        assert_eq!(seen.fresh(4, || count(&b)), b);
        assert_eq!(seen.try_fresh(4, || count(&a)), None);
        assert_eq!((calls, seen.len()), (4 + 2 + 1 + 4, 2));
    }
}
