//! `RegularizedEvolutionOptim` (Real et al., 2019): aging evolution. A population of evaluated
//! architectures; each proposal mutates the best of a random tournament; when the population
//! is full, the oldest member dies.

use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score};
use modnas_param_space::{ArchDesc, MetricMap, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::VecDeque;

/// Arguments of [`RegularizedEvolutionOptim`] (defaults from NASLib: population 100,
/// sample size 10).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegularizedEvolutionArgs {
    /// Population size. Default 100.
    #[serde(default = "default_population")]
    pub population: usize,
    /// Tournament sample size. Default 10.
    #[serde(default = "default_sample")]
    pub sample_size: usize,
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
fn default_sample() -> usize {
    10
}
pub(crate) fn default_metric() -> String {
    "acc".into()
}

/// Aging evolution over any mix of categorical and numeric parameters.
pub struct RegularizedEvolutionOptim {
    space: DiscreteSpace,
    args: RegularizedEvolutionArgs,
    score: Score,
    rng: StdRng,
    population: VecDeque<(ArchDesc, f64)>,
    proposed: usize,
}

impl RegularizedEvolutionOptim {
    /// Aging evolution over `space`.
    pub fn new(
        space: &ParamSpace,
        args: RegularizedEvolutionArgs,
        seed: u64,
    ) -> Result<Self, OptimError> {
        if args.population < 2 || args.sample_size == 0 || args.sample_size > args.population {
            return Err(OptimError::InvalidArgs {
                optim: "RegularizedEvolutionOptim".into(),
                reason: format!(
                    "need population >= 2 and 1 <= sample_size <= population, got population={} sample_size={}",
                    args.population, args.sample_size
                ),
            });
        }
        Ok(Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric.clone(), args.mode),
            args,
            rng: StdRng::seed_from_u64(seed),
            population: VecDeque::new(),
            proposed: 0,
        })
    }

    fn propose(&mut self) -> ArchDesc {
        // The first `population` proposals are random: they fill the initial population.
        if self.proposed < self.args.population || self.population.is_empty() {
            return self.space.sample(&mut self.rng);
        }
        let n = self.population.len();
        let parent = (0..self.args.sample_size.min(n))
            .map(|_| &self.population[self.rng.random_range(0..n)])
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(arch, _)| arch.clone())
            .expect("the tournament is not empty");
        self.space.mutate_one(&parent, &mut self.rng)
    }
}

impl ArchOptim for RegularizedEvolutionOptim {
    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let archs = (0..n).map(|_| self.propose()).collect::<Vec<_>>();
        self.proposed += archs.len();
        Ok(archs)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("RegularizedEvolutionOptim", metrics)?;
        self.population.push_back((arch.clone(), score));
        if self.population.len() > self.args.population {
            self.population.pop_front();
        }
        Ok(())
    }
}

register_optim!(
    "RegularizedEvolutionOptim",
    new = RegularizedEvolutionOptim::new
);
modnas_param_space::describe_component!(
    "optimizer",
    "RegularizedEvolutionOptim",
    "regularized (aging) evolution (Real et al. 2019): tournament parent, one mutation, oldest member removed",
    RegularizedEvolutionArgs
);
