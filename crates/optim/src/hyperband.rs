//! `HyperbandOptim` (Li et al., 2018): brackets of synchronous successive halving over the
//! training epochs. A bracket samples n architectures at random and trains each for a few
//! epochs; the best 1/η go on, trained again for η times the epochs, until the last ones
//! train `max_epochs`; successive brackets start at more epochs with fewer architectures, so
//! that some hedge against early rankings that mislead. The optimizer tells the search loop
//! how many epochs each proposal trains ([`ArchOptim::fidelity`]); a trial that trained them
//! is recorded with its metrics at that fidelity.
//!
//! ```
//! use modnas_optim::{build_optim, ArchOptim, Fidelity};
//! use modnas_param_space::{Categorical, ParamSpace};
//! use modnas_core::MetricMap;
//! let mut space = ParamSpace::new();
//! space.insert("op", Categorical::new((0..30i64).collect::<Vec<_>>()).unwrap()).unwrap();
//! let args = toml::toml! { max_epochs = 9 };
//! let mut hb = build_optim("HyperbandOptim", &space, &args, 0).unwrap();
//! // The first bracket: 9 architectures at 1 epoch.
//! let first = hb.next(100).unwrap();
//! assert_eq!(first.len(), 9);
//! assert_eq!(hb.fidelity(&first[0]), Some(Fidelity::Epochs(1)));
//! for (i, arch) in first.iter().enumerate() {
//!     hb.step(arch, &MetricMap::from([("acc".to_string(), i as f64)])).unwrap();
//! }
//! // The best third goes on, at 3 epochs.
//! let promoted = hb.next(100).unwrap();
//! assert_eq!(promoted, first[6..].iter().rev().cloned().collect::<Vec<_>>());
//! assert_eq!(hb.fidelity(&promoted[0]), Some(Fidelity::Epochs(3)));
//! ```

use crate::{
    register_optim, ArchOptim, Direction, DiscreteSpace, Fidelity, FidelityKind, OptimError,
    RandomSearchOptim, Score,
};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};

/// Arguments of [`HyperbandOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HyperbandOptimArgs {
    /// Epochs of the shortest training (r).
    #[config(default = 1)]
    pub min_epochs: usize,
    /// Epochs of a full training (R), the estimator's `epochs`.
    #[config(default = 27)]
    pub max_epochs: usize,
    /// η: each round keeps the best 1/η.
    #[config(default = 3)]
    pub reduction_factor: usize,
    /// Metric to rank by.
    #[config(default = "acc".into())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
    /// What the brackets vary: `"epochs"` (default: a trial trains `min_epochs` to
    /// `max_epochs`) or `"data_fraction"` (a trial trains the estimator's epochs on
    /// `min_fraction` to all of the training data).
    #[serde(default)]
    pub fidelity: FidelityKind,
    /// The smallest share of the training data, with `fidelity = "data_fraction"`: the
    /// brackets train on it times η, η², … up to all of it. Default 1/27.
    #[serde(default)]
    pub min_fraction: Option<f64>,
}

/// Hyperband over the training epochs (see the module docs).
pub struct HyperbandOptim {
    args: HyperbandOptimArgs,
    score: Score,
    sampler: RandomSearchOptim,
    /// How a bracket's new architectures are drawn beyond random sampling (BOHB's models).
    models: Option<crate::bohb::FidelityModels>,
    /// The space and generator of draws once `sampler` has used the space up.
    space: DiscreteSpace,
    rng: StdRng,
    /// The most aggressive bracket's index, ⌊log_η(R/r)⌋.
    s_max: u32,
    /// The bracket now (counts down from `s_max`, then starts over).
    bracket: u32,
    /// The round within the bracket.
    round: u32,
    /// Architectures of this round not proposed yet.
    todo: VecDeque<ArchDesc>,
    /// Proposed, their results not learnt yet (by summary).
    pending: HashMap<String, ArchDesc>,
    /// This round's results: architecture and score.
    results: Vec<(ArchDesc, f64)>,
    /// Epochs of each architecture's latest proposal (by summary).
    fidelity: HashMap<String, usize>,
}

impl HyperbandOptim {
    /// Hyperband over `space` with `args`, sampling with `seed`.
    pub fn new(
        space: &ParamSpace,
        args: HyperbandOptimArgs,
        seed: u64,
    ) -> Result<Self, OptimError> {
        Self::with_models(space, args, seed, |_| Ok(None))
    }

    /// Hyperband whose brackets draw new architectures from the models `models` builds for
    /// its fidelities (BOHB) when they hold enough results.
    pub(crate) fn with_models(
        space: &ParamSpace,
        args: HyperbandOptimArgs,
        seed: u64,
        models: impl FnOnce(&[usize]) -> Result<Option<crate::bohb::FidelityModels>, OptimError>,
    ) -> Result<Self, OptimError> {
        let args = resource_scale(args)?;
        let s_max = hyperband_s_max(args.min_epochs, args.max_epochs, args.reduction_factor)
            .map_err(|reason| OptimError::InvalidArgs {
                optim: "HyperbandOptim".into(),
                reason,
            })?;
        let mut optim = Self {
            score: Score::new(args.metric.clone(), args.mode),
            args,
            sampler: RandomSearchOptim::new(space, seed),
            models: None,
            space: DiscreteSpace::from_space(space),
            rng: StdRng::seed_from_u64(seed ^ 0x4B),
            s_max,
            bracket: s_max,
            round: 0,
            todo: VecDeque::new(),
            pending: HashMap::new(),
            results: vec![],
            fidelity: HashMap::new(),
        };
        let mut fidelities: Vec<usize> = (0..=s_max)
            .flat_map(|s| (0..=s).map(move |round| (s, round)))
            .map(|(s, round)| optim.epochs(s, round))
            .collect();
        fidelities.sort_unstable();
        fidelities.dedup();
        optim.models = models(&fidelities)?;
        optim.start_bracket()?;
        Ok(optim)
    }

    /// Epochs of round `round` of bracket `bracket`: R / η^(s − round), at least r.
    fn epochs(&self, bracket: u32, round: u32) -> usize {
        let eta = self.args.reduction_factor;
        (self.args.max_epochs / eta.pow(bracket - round)).max(self.args.min_epochs)
    }

    /// Samples the bracket's architectures: ⌈(s_max + 1) / (s + 1) · η^s⌉, distinct; from a
    /// model when BOHB's is ready, else at random — without repeats until the space is used
    /// up, then with (a later bracket may train an architecture for other epochs).
    fn start_bracket(&mut self) -> Result<(), OptimError> {
        let s = self.bracket;
        let n = ((self.s_max + 1) as usize * self.args.reduction_factor.pow(s))
            .div_ceil(s as usize + 1);
        let (sampler, space, rng) = (&mut self.sampler, &self.space, &mut self.rng);
        let mut random = || -> Result<Option<ArchDesc>, OptimError> {
            Ok(match sampler.next(1)?.pop() {
                Some(arch) => Some(arch),
                // An empty space (no parameters) has nothing to draw.
                None if space.is_empty() => None,
                None => Some(space.sample(rng)),
            })
        };
        let mut drawn: Vec<ArchDesc> = vec![];
        for _ in 0..n {
            // A few tries for an architecture not drawn yet in this bracket.
            for _ in 0..10 {
                let arch = match self.models.as_mut() {
                    Some(models) => models.draw(&mut random)?,
                    None => random()?,
                };
                match arch {
                    Some(a) if !drawn.contains(&a) => {
                        drawn.push(a);
                        break;
                    }
                    Some(_) => continue,
                    None => break,
                }
            }
        }
        self.todo = drawn.into();
        self.round = 0;
        Ok(())
    }

    /// Whether the round now is a bracket's first (its architectures newly drawn).
    #[cfg(test)]
    pub(crate) fn round_is_first(&self) -> bool {
        self.round == 0
    }

    /// After a round's last result: the best 1/η go on to the next round, or the next bracket
    /// starts.
    fn advance(&mut self) -> Result<(), OptimError> {
        let keep = self.results.len() / self.args.reduction_factor;
        if self.round == self.bracket || keep == 0 {
            self.results.clear();
            self.bracket = if self.bracket == 0 {
                self.s_max
            } else {
                self.bracket - 1
            };
            return self.start_bracket();
        }
        let mut ranked = std::mem::take(&mut self.results);
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.todo = ranked.into_iter().take(keep).map(|(a, _)| a).collect();
        self.round += 1;
        Ok(())
    }
}

impl ArchOptim for HyperbandOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        if self.todo.is_empty() && self.pending.is_empty() && !self.results.is_empty() {
            self.advance()?;
        }
        let epochs = self.epochs(self.bracket, self.round);
        let mut out = vec![];
        while out.len() < n {
            let Some(arch) = self.todo.pop_front() else {
                break;
            };
            self.fidelity.insert(arch.summary(), epochs);
            self.pending.insert(arch.summary(), arch.clone());
            out.push(arch);
        }
        Ok(out)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        if self.pending.remove(&arch.summary()).is_some() {
            let score = self.score.of("HyperbandOptim", metrics)?;
            self.results.push((arch.clone(), score));
            if let Some(models) = self.models.as_mut() {
                let epochs = self.fidelity.get(&arch.summary()).copied();
                models.learn(epochs.unwrap_or(self.args.max_epochs), arch, metrics)?;
            }
        }
        Ok(())
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn chooses_fidelity(&self) -> Option<FidelityKind> {
        Some(self.args.fidelity)
    }

    /// The epochs (or share of the data) of the round that proposed `arch`; `None` for a
    /// full training (`max_epochs`, or all the data), which the estimator's own `epochs`
    /// then bound.
    fn fidelity(&self, arch: &ArchDesc) -> Option<Fidelity> {
        let units = self
            .fidelity
            .get(&arch.summary())
            .copied()
            .filter(|e| *e < self.args.max_epochs)?;
        Some(match self.args.fidelity {
            FidelityKind::Epochs => Fidelity::Epochs(units),
            FidelityKind::DataFraction => {
                Fidelity::DataFraction(units as f64 / self.args.max_epochs as f64)
            }
        })
    }
}

/// Hyperband's most aggressive bracket, s_max = ⌊log_η(R/r)⌋, for the shortest training
/// `min_epochs` (r), the full one `max_epochs` (R) and the `reduction_factor` (η); the
/// brackets are s_max down to 0. `HyperbandOptim` and the `HyperbandPruner` share it. The
/// reason, naming the keys, when they are out of range (1 ≤ r ≤ R, η ≥ 2).
///
/// ```
/// assert_eq!(modnas_optim::hyperband_s_max(1, 27, 3), Ok(3));
/// assert_eq!(modnas_optim::hyperband_s_max(1, 26, 3), Ok(2));
/// assert!(modnas_optim::hyperband_s_max(3, 2, 3).unwrap_err().contains("max_epochs"));
/// ```
pub fn hyperband_s_max(min_epochs: usize, max_epochs: usize, eta: usize) -> Result<u32, String> {
    if min_epochs == 0 || eta < 2 || max_epochs < min_epochs {
        return Err(format!(
            "needs 1 ≤ `min_epochs` ≤ `max_epochs` and `reduction_factor` ≥ 2, not \
             {min_epochs}, {max_epochs} and {eta}"
        ));
    }
    let mut s_max = 0;
    while min_epochs * eta.pow(s_max + 1) <= max_epochs {
        s_max += 1;
    }
    Ok(s_max)
}

/// The arguments on Hyperband's integer scale of resources: epochs as given, or for a data
/// fraction, units of `min_fraction` (1 to ⌈1 / min_fraction⌉), so that one bracket schedule
/// serves both kinds.
fn resource_scale(mut args: HyperbandOptimArgs) -> Result<HyperbandOptimArgs, OptimError> {
    let invalid = |reason: String| OptimError::InvalidArgs {
        optim: "HyperbandOptim".into(),
        reason,
    };
    match args.fidelity {
        FidelityKind::Epochs => {
            if let Some(f) = args.min_fraction {
                return Err(invalid(format!(
                    "`min_fraction` ({f}) applies to `fidelity = \"data_fraction\"`; with \
                     epochs, set `min_epochs`"
                )));
            }
        }
        FidelityKind::DataFraction => {
            // Epoch keys left at their defaults: they would be silently ignored.
            let defaults = HyperbandOptimArgs::new();
            if (args.min_epochs, args.max_epochs) != (defaults.min_epochs, defaults.max_epochs) {
                return Err(invalid(format!(
                    "`min_epochs` ({}) and `max_epochs` ({}) count epochs; with `fidelity = \
                     \"data_fraction\"` every trial trains the estimator's epochs, and \
                     `min_fraction` sets the smallest share of the data",
                    args.min_epochs, args.max_epochs
                )));
            }
            let f = args.min_fraction.unwrap_or(1.0 / 27.0);
            if !(f > 0.0 && f <= 1.0) {
                return Err(invalid(format!(
                    "`min_fraction` must be within 0 (excluded) and 1, not {f}"
                )));
            }
            args.min_epochs = 1;
            args.max_epochs = (1.0 / f).round().max(1.0) as usize;
        }
    }
    Ok(args)
}

register_optim!(
    /// Hyperband: brackets of successive halving, each proposal trained for the epochs (or on the
    /// share of the data) of its round
    "HyperbandOptim", |space, args: HyperbandOptimArgs, seed| HyperbandOptim::new(space, args, seed)
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::Categorical;

    fn space(n: i64) -> ParamSpace {
        let mut s = ParamSpace::new();
        s.insert("op", Categorical::new((0..n).collect::<Vec<_>>()).unwrap())
            .unwrap();
        s
    }

    fn value(a: &ArchDesc) -> f64 {
        a.get("op").unwrap().as_i64().unwrap() as f64
    }

    /// Runs whole brackets, each architecture scored by its value; returns (round epochs,
    /// proposals) per round.
    fn rounds(optim: &mut HyperbandOptim, count: usize) -> Vec<(Option<Fidelity>, usize)> {
        (0..count)
            .map(|_| {
                let archs = optim.next(1000).unwrap();
                let fidelity = optim.fidelity(&archs[0]);
                for a in &archs {
                    let m = MetricMap::from([("acc".to_string(), value(a))]);
                    optim.step(a, &m).unwrap();
                }
                (fidelity, archs.len())
            })
            .collect()
    }

    #[test]
    fn brackets_follow_the_hyperband_schedule() {
        let args = HyperbandOptimArgs {
            min_epochs: 1,
            max_epochs: 27,
            reduction_factor: 3,
            metric: "acc".into(),
            mode: Direction::Max,
            fidelity: FidelityKind::Epochs,
            min_fraction: None,
        };
        let mut hb = HyperbandOptim::new(&space(1000), args, 0).unwrap();
        assert_eq!(hb.s_max, 3);
        // Bracket 3: 27 at 1, 9 at 3, 3 at 9, 1 at 27 (full: no fidelity). Bracket 2: 12 at 3,
        // 4 at 9, 1 at 27. Bracket 1: 6 at 9, 2 at 27. Bracket 0: 4 at 27.
        let e = |n| Some(Fidelity::Epochs(n));
        let expected = [
            (e(1), 27),
            (e(3), 9),
            (e(9), 3),
            (None, 1),
            (e(3), 12),
            (e(9), 4),
            (None, 1),
            (e(9), 6),
            (None, 2),
            (None, 4),
        ];
        assert_eq!(rounds(&mut hb, 10), expected);
    }

    #[test]
    fn the_best_go_on_and_pending_results_hold_the_round() {
        let args: HyperbandOptimArgs =
            crate::arch_optim::parse_optim_args("HyperbandOptim", &toml::toml! { max_epochs = 9 })
                .unwrap();
        let mut hb = HyperbandOptim::new(&space(50), args, 1).unwrap();
        let first = hb.next(100).unwrap();
        assert_eq!(first.len(), 9);
        // One result still missing: nothing to propose yet.
        for a in &first[1..] {
            hb.step(a, &MetricMap::from([("acc".to_string(), value(a))]))
                .unwrap();
        }
        assert!(hb.next(10).unwrap().is_empty());
        hb.step(
            &first[0],
            &MetricMap::from([("acc".to_string(), value(&first[0]))]),
        )
        .unwrap();
        let mut best: Vec<f64> = first.iter().map(value).collect();
        best.sort_by(|a, b| b.total_cmp(a));
        let promoted: Vec<f64> = hb.next(10).unwrap().iter().map(value).collect();
        assert_eq!(promoted, best[..3]);
    }

    #[test]
    fn bad_arguments_are_named() {
        let args = HyperbandOptimArgs {
            min_epochs: 3,
            max_epochs: 2,
            reduction_factor: 3,
            metric: "acc".into(),
            mode: Direction::Max,
            fidelity: FidelityKind::Epochs,
            min_fraction: None,
        };
        let err = HyperbandOptim::new(&space(5), args, 0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("max_epochs"), "{err}");
    }

    #[test]
    fn data_fractions_follow_the_same_schedule() {
        let table: toml::Table = "fidelity = 'data_fraction'\nmin_fraction = 0.111"
            .parse()
            .unwrap();
        let args: HyperbandOptimArgs =
            crate::arch_optim::parse_optim_args("HyperbandOptim", &table).unwrap();
        let mut hb = HyperbandOptim::new(&space(100), args, 0).unwrap();
        assert_eq!(hb.chooses_fidelity(), Some(FidelityKind::DataFraction));
        // 1/0.111 rounds to 9 units: 9 at 1/9 of the data, 3 at 1/3, 1 at all of it.
        let d = |f: f64| Some(Fidelity::DataFraction(f));
        let expected = [(d(1.0 / 9.0), 9), (d(3.0 / 9.0), 3), (None, 1)];
        assert_eq!(rounds(&mut hb, 3), expected);
    }

    #[test]
    fn keys_of_the_other_fidelity_are_refused() {
        for (table, named) in [
            ("fidelity = 'data_fraction'\nmax_epochs = 9", "max_epochs"),
            ("min_fraction = 0.1", "min_fraction"),
            (
                "fidelity = 'data_fraction'\nmin_fraction = 0.0",
                "min_fraction",
            ),
        ] {
            let table: toml::Table = table.parse().unwrap();
            let args: HyperbandOptimArgs =
                crate::arch_optim::parse_optim_args("HyperbandOptim", &table).unwrap();
            let err = HyperbandOptim::new(&space(5), args, 0)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(named), "{table}: {err}");
        }
    }
}
