//! `RegularizedEvolutionOptim` (Real et al., 2019): aging evolution. A population of evaluated
//! architectures; each proposal mutates the best of a random tournament; when the population
//! is full, the oldest member dies.

use crate::{
    register_optim, ArchOptim, ConstraintSpec, Direction, DiscreteSpace, OptimError, Point, Score,
    SeenArchs, FRESH_TRIES,
};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::VecDeque;

/// Arguments of [`RegularizedEvolutionOptim`]. The defaults (population 20, sample size 5)
/// suit budgets of 50–300 evaluations; NASLib's 100 and 10 make the first 100 proposals
/// random, so they need budgets of a thousand or more (see `docs/benchmarks.md`).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegularizedEvolutionArgs {
    /// Population size.
    #[config(default = 20)]
    pub population: usize,
    /// Tournament sample size.
    #[config(default = 5)]
    pub sample_size: usize,
    /// Metric to maximise or minimise.
    #[config(default = "acc".into())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
    /// Hard constraints on metrics of the trials (`[{ metric = "flops", max = 2e6 }]`): a
    /// tournament prefers a feasible architecture, then the smaller violation, then the better
    /// metric. Default none.
    #[serde(default)]
    pub constraints: Vec<ConstraintSpec>,
}

/// Aging evolution over any mix of categorical and numeric parameters.
pub struct RegularizedEvolutionOptim {
    space: DiscreteSpace,
    args: RegularizedEvolutionArgs,
    score: Score,
    rng: StdRng,
    /// Members: architecture, constraint violation, score.
    population: VecDeque<(ArchDesc, f64, f64)>,
    proposed: usize,
    /// Every architecture proposed or learnt from.
    seen: SeenArchs,
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
            seen: SeenArchs::default(),
        })
    }

    fn propose(&mut self) -> ArchDesc {
        // The first `population` proposals are random: they fill the initial population.
        if self.proposed < self.args.population || self.population.is_empty() {
            return self.space.sample_unseen(&mut self.rng, &mut self.seen);
        }
        let n = self.population.len();
        let parent = (0..self.args.sample_size.min(n))
            .map(|_| &self.population[self.rng.random_range(0..n)])
            .max_by(|a, b| b.1.total_cmp(&a.1).then(a.2.total_cmp(&b.2)))
            .map(|(arch, _, _)| arch.clone())
            .expect("the tournament is not empty");
        // Another mutation of the same parent when the child was seen: the tournament's
        // choice stands, and the budget goes to new architectures.
        let (space, rng) = (&self.space, &mut self.rng);
        self.seen
            .fresh(FRESH_TRIES, || space.mutate_one(&parent, rng))
    }
}

impl ArchOptim for RegularizedEvolutionOptim {
    fn random_proposals(&self) -> usize {
        self.args.population
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let archs = (0..n).map(|_| self.propose()).collect::<Vec<_>>();
        self.proposed += archs.len();
        Ok(archs)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let name = "RegularizedEvolutionOptim";
        let score = self.score.of(name, metrics)?;
        let violation = Point::from_metrics(name, metrics, &[], &self.args.constraints)?.violation;
        self.seen.insert(arch);
        self.population.push_back((arch.clone(), violation, score));
        if self.population.len() > self.args.population {
            self.population.pop_front();
        }
        Ok(())
    }
}

register_optim!(
    /// regularized (aging) evolution (Real et al. 2019): tournament parent, one mutation, oldest
    /// member removed
    "RegularizedEvolutionOptim", |space, args: RegularizedEvolutionArgs, seed| {
        RegularizedEvolutionOptim::new(space, args, seed)
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::{Categorical, ParamValue};

    /// Children of the all-zero (feasible, worse) parent among 400, with or without the
    /// constraint that makes the all-one (better) parent infeasible. The tournament samples
    /// two of the two members with replacement, so the preferred parent wins 3 times in 4.
    fn children_of_the_feasible_parent(constrained: bool) -> usize {
        let mut space = ParamSpace::new();
        for p in ["a", "b", "c"] {
            space
                .insert(p, Categorical::new([0i64, 1]).unwrap())
                .unwrap();
        }
        let constraint = if constrained {
            "constraints = [{ metric = \"flops\", max = 10.0 }]"
        } else {
            ""
        };
        let args: RegularizedEvolutionArgs =
            toml::from_str(&format!("population = 2\nsample_size = 2\n{constraint}")).unwrap();
        let mut re = RegularizedEvolutionOptim::new(&space, args, 1).unwrap();
        let arch = |v: i64| -> ArchDesc { ["a", "b", "c"].map(|p| (p, v)).into_iter().collect() };
        let metrics = |acc: f64, flops: f64| -> MetricMap {
            [("acc".to_string(), acc), ("flops".to_string(), flops)]
                .into_iter()
                .collect()
        };
        re.next(2).unwrap();
        re.step(&arch(0), &metrics(0.1, 5.0)).unwrap(); // feasible, worse
        re.step(&arch(1), &metrics(0.9, 50.0)).unwrap(); // better, infeasible
                                                         // A child of the all-zero parent has exactly one 1, one of the all-one parent two.
        re.next(400)
            .unwrap()
            .iter()
            .filter(|c| c.iter().filter(|(_, v)| **v == ParamValue::Int(1)).count() == 1)
            .count()
    }

    #[test]
    fn a_tournament_prefers_the_feasible_parent() {
        let constrained = children_of_the_feasible_parent(true);
        let free = children_of_the_feasible_parent(false);
        assert!((260..340).contains(&constrained), "{constrained} of 400");
        assert!((60..140).contains(&free), "{free} of 400");
    }

    #[test]
    fn a_missing_constraint_metric_is_named() {
        let mut space = ParamSpace::new();
        space
            .insert("a", Categorical::new([0i64, 1]).unwrap())
            .unwrap();
        let args: RegularizedEvolutionArgs =
            toml::from_str("population = 2\nconstraints = [{ metric = \"flops\", max = 1.0 }]")
                .unwrap_or_else(|e| panic!("{e}"));
        let mut re = RegularizedEvolutionOptim::new(
            &space,
            RegularizedEvolutionArgs {
                sample_size: 1,
                ..args
            },
            1,
        )
        .unwrap();
        let arch: ArchDesc = [("a", 0i64)].into_iter().collect();
        let metrics: MetricMap = [("acc".to_string(), 0.5)].into_iter().collect();
        let err = re.step(&arch, &metrics).unwrap_err().to_string();
        assert!(err.contains("flops"), "{err}");
    }
}
