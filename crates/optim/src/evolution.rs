//! `EvolutionOptim` (Real et al., 2017; paper, Algorithm 5): generational evolution with
//! survival (the worst are eliminated), selection of the best as parents, crossover of two
//! parents into one offspring and per-parameter mutation. A child equal to a parent gets one
//! more mutation, and children already seen in the run are bred again (up to
//! 16 times), so generations spend the budget on new
//! architectures.

use crate::{
    register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score, SeenArchs, FRESH_TRIES,
};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// Arguments of [`EvolutionOptim`] (the mutation rate from the paper, G.3; population and
/// selection for budgets of 50–300 evaluations).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvolutionArgs {
    /// Population size. Default 20 (the paper's 100 leaves a budget of a few hundred
    /// evaluations no better than random search: see `docs/benchmarks.md`).
    #[config(default = 20)]
    pub population: usize,
    /// Individuals eliminated per generation.
    #[config(default = 1)]
    pub elimination: usize,
    /// Best individuals kept as parents.
    #[config(default = 5)]
    pub selection: usize,
    /// Per-parameter mutation probability.
    #[config(default = 0.01)]
    pub mutation_prob: f64,
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// Generational evolution.
pub struct EvolutionOptim {
    space: DiscreteSpace,
    args: EvolutionArgs,
    score: Score,
    rng: StdRng,
    /// Evaluated members with their scores.
    members: Vec<(ArchDesc, f64)>,
    /// Individuals waiting to be proposed.
    queue: Vec<ArchDesc>,
    /// Every architecture proposed or learnt from.
    seen: SeenArchs,
}

impl EvolutionOptim {
    /// Evolution over `space`.
    pub fn new(space: &ParamSpace, args: EvolutionArgs, seed: u64) -> Result<Self, OptimError> {
        let bad = |reason: String| OptimError::InvalidArgs {
            optim: "EvolutionOptim".into(),
            reason,
        };
        if args.population < 2 || args.selection < 2 || args.selection > args.population {
            return Err(bad(format!(
                "need population >= 2 and 2 <= selection <= population, got population={} selection={}",
                args.population, args.selection
            )));
        }
        if args.elimination == 0 || args.elimination >= args.population {
            return Err(bad(format!(
                "`elimination` = {} must lie in [1, population)",
                args.elimination
            )));
        }
        if !(0.0..=1.0).contains(&args.mutation_prob) {
            return Err(bad(format!(
                "`mutation_prob` = {} must lie in [0, 1]",
                args.mutation_prob
            )));
        }
        let space = DiscreteSpace::from_space(space);
        let mut rng = StdRng::seed_from_u64(seed);
        let mut seen = SeenArchs::default();
        let queue = (0..args.population)
            .map(|_| space.sample_unseen(&mut rng, &mut seen))
            .collect();
        Ok(Self {
            space,
            score: Score::new(args.metric.clone(), args.mode),
            args,
            rng,
            members: Vec::new(),
            queue,
            seen,
        })
    }

    /// Survival, selection, crossover and mutation: refills the queue with offspring.
    fn next_generation(&mut self) {
        self.members.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.members
            .truncate(self.args.population - self.args.elimination);
        let parents: Vec<ArchDesc> = self
            .members
            .iter()
            .take(self.args.selection)
            .map(|(a, _)| a.clone())
            .collect();
        if parents.is_empty() {
            let arch = self.space.sample_unseen(&mut self.rng, &mut self.seen);
            self.queue.push(arch);
            return;
        }
        let (space, rng, prob) = (&self.space, &mut self.rng, self.args.mutation_prob);
        let breed = |rng: &mut StdRng| {
            let a = &parents[rng.random_range(0..parents.len())];
            let b = &parents[rng.random_range(0..parents.len())];
            let child = space.mutate_each(&space.crossover(a, b, rng), prob, rng);
            if child == *a || child == *b {
                space.mutate_one(&child, rng)
            } else {
                child
            }
        };
        while self.members.len() + self.queue.len() < self.args.population {
            // A population that cannot breed anything new takes in a random newcomer.
            let child = match self.seen.try_fresh(FRESH_TRIES, || breed(rng)) {
                Some(child) => child,
                None => space.sample_unseen(rng, &mut self.seen),
            };
            self.queue.push(child);
        }
    }
}

impl ArchOptim for EvolutionOptim {
    fn random_proposals(&self) -> usize {
        self.args.population
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        // In a sequential search the whole generation has been evaluated here; with batches,
        // the members evaluated so far breed the next one.
        if self.queue.is_empty() {
            self.next_generation();
        }
        let take = n.min(self.queue.len());
        Ok(self.queue.drain(..take).collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("EvolutionOptim", metrics)?;
        self.seen.insert(arch);
        self.members.push((arch.clone(), score));
        Ok(())
    }
}

register_optim!(
    /// generational evolution (Real et al. 2017): the worst eliminated, the best bred by crossover
    /// and mutation
    "EvolutionOptim", |space, args: EvolutionArgs, seed| EvolutionOptim::new(space, args, seed)
);
