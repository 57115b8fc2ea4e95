//! `SimulatedAnnealingOptim`: a random walk that always accepts a better neighbour and a worse
//! one with probability `exp(Δ / T)`, with the temperature cooling geometrically.

use crate::regularized_evolution::default_metric;
use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score};
use modnas_param_space::{ArchDesc, MetricMap, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// Arguments of [`SimulatedAnnealingOptim`].
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnealingArgs {
    /// Initial temperature, in units of the metric. Default 0.1.
    #[serde(default = "default_t0")]
    pub temperature: f64,
    /// Cooling factor per step. Default 0.95.
    #[serde(default = "default_cooling")]
    pub cooling: f64,
    /// Metric to maximise or minimise. Default `acc`.
    #[serde(default = "default_metric")]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

fn default_t0() -> f64 {
    0.1
}
fn default_cooling() -> f64 {
    0.95
}

/// Simulated annealing over single-parameter mutations.
pub struct SimulatedAnnealingOptim {
    space: DiscreteSpace,
    score: Score,
    rng: StdRng,
    temperature: f64,
    cooling: f64,
    current: Option<(ArchDesc, f64)>,
}

impl SimulatedAnnealingOptim {
    /// Annealing over `space`.
    pub fn new(space: &ParamSpace, args: AnnealingArgs, seed: u64) -> Result<Self, OptimError> {
        let valid = args.temperature > 0.0 && args.cooling > 0.0 && args.cooling <= 1.0;
        if !valid {
            return Err(OptimError::InvalidArgs {
                optim: "SimulatedAnnealingOptim".into(),
                reason: format!(
                    "need temperature > 0 and 0 < cooling <= 1, got temperature={} cooling={}",
                    args.temperature, args.cooling
                ),
            });
        }
        Ok(Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric, args.mode),
            rng: StdRng::seed_from_u64(seed),
            temperature: args.temperature,
            cooling: args.cooling,
            current: None,
        })
    }
}

impl ArchOptim for SimulatedAnnealingOptim {
    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        Ok((0..n)
            .map(|_| match &self.current {
                Some((arch, _)) => self.space.mutate_one(arch, &mut self.rng),
                None => self.space.sample(&mut self.rng),
            })
            .collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("SimulatedAnnealingOptim", metrics)?;
        let accept = match &self.current {
            None => true,
            Some((_, current)) => {
                let delta = score - current;
                delta >= 0.0 || self.rng.random::<f64>() < (delta / self.temperature).exp()
            }
        };
        if accept {
            self.current = Some((arch.clone(), score));
        }
        self.temperature *= self.cooling;
        Ok(())
    }
}

register_optim!(
    "SimulatedAnnealingOptim",
    new = SimulatedAnnealingOptim::new
);
modnas_param_space::describe_component!(
    "optimizer",
    "SimulatedAnnealingOptim",
    "simulated annealing: a random walk accepting worse neighbours with probability exp(Δ/T), T cooling geometrically",
    AnnealingArgs
);
