//! `EvolutionOptim` (Real et al., 2017; paper, Algorithm 5): generational evolution with
//! survival (the worst are eliminated), selection of the best as parents, crossover of two
//! parents into one offspring and per-parameter mutation.

use crate::regularized_evolution::default_metric;
use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score};
use modnas_param_space::{ArchDesc, MetricMap, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::HashMap;

/// Arguments of [`EvolutionOptim`] (defaults from the paper, G.3).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvolutionArgs {
    /// Population size. Default 100.
    #[serde(default = "default_population")]
    pub population: usize,
    /// Individuals eliminated per generation. Default 1.
    #[serde(default = "one")]
    pub elimination: usize,
    /// Best individuals kept as parents. Default 10.
    #[serde(default = "ten")]
    pub selection: usize,
    /// Per-parameter mutation probability. Default 0.01.
    #[serde(default = "default_mutation")]
    pub mutation_prob: f64,
    /// Metric to maximise or minimise. Default `acc`.
    #[serde(default = "default_metric")]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

fn default_population() -> usize {
    100
}
fn one() -> usize {
    1
}
fn ten() -> usize {
    10
}
fn default_mutation() -> f64 {
    0.01
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
    /// Proposed, not yet evaluated.
    in_flight: HashMap<String, usize>,
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
        let queue = (0..args.population)
            .map(|_| space.sample(&mut rng))
            .collect();
        Ok(Self {
            space,
            score: Score::new(args.metric.clone(), args.mode),
            args,
            rng,
            members: Vec::new(),
            queue,
            in_flight: HashMap::new(),
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
            self.queue.push(self.space.sample(&mut self.rng));
            return;
        }
        while self.members.len() + self.queue.len() < self.args.population {
            let a = &parents[self.rng.random_range(0..parents.len())];
            let b = &parents[self.rng.random_range(0..parents.len())];
            let child = self.space.crossover(a, b, &mut self.rng);
            self.queue.push(
                self.space
                    .mutate_each(&child, self.args.mutation_prob, &mut self.rng),
            );
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
        let archs: Vec<ArchDesc> = self.queue.drain(..take).collect();
        for a in &archs {
            *self.in_flight.entry(a.summary()).or_default() += 1;
        }
        Ok(archs)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("EvolutionOptim", metrics)?;
        let key = arch.summary();
        if let Some(count) = self.in_flight.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.in_flight.remove(&key);
            }
        }
        self.members.push((arch.clone(), score));
        Ok(())
    }
}

register_optim!("EvolutionOptim", new = EvolutionOptim::new);
modnas_param_space::describe_component!(
    "optimizer",
    "EvolutionOptim",
    "generational evolution (Real et al. 2017): the worst eliminated, the best bred by crossover and mutation",
    EvolutionArgs
);
