//! `SimulatedAnnealingOptim`: a random walk that always accepts a better neighbour and a worse
//! one with probability `exp(Δ / (σ·T))`, with the temperature cooling geometrically. Δ is
//! measured in standard deviations σ of the scores seen so far, so one temperature serves
//! accuracies in [0, 1], percentages and losses alike. Moves go to unseen neighbours; when
//! every neighbour has been seen, the walk restarts from an unseen random architecture.

use crate::{
    register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, RunningStats, Score, SeenArchs,
};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// Arguments of [`SimulatedAnnealingOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnealingArgs {
    /// Initial temperature, in standard deviations of the scores seen so far: a move that
    /// loses one σ is accepted with probability `exp(-1/T)`.
    #[config(default = 0.5)]
    pub temperature: f64,
    /// Cooling factor per step (at 0.98 the temperature halves every 34 trials).
    #[config(default = 0.98)]
    pub cooling: f64,
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// Simulated annealing over single-parameter mutations.
pub struct SimulatedAnnealingOptim {
    space: DiscreteSpace,
    score: Score,
    rng: StdRng,
    temperature: f64,
    cooling: f64,
    current: Option<(ArchDesc, f64)>,
    scores: RunningStats,
    seen: SeenArchs,
    /// A restart proposed because the current architecture's neighbours were all seen: the
    /// walk moves there whatever its score.
    restart: Option<ArchDesc>,
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
            scores: RunningStats::default(),
            seen: SeenArchs::default(),
            restart: None,
        })
    }
}

impl ArchOptim for SimulatedAnnealingOptim {
    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let (space, rng, seen) = (&self.space, &mut self.rng, &mut self.seen);
            let step = match &self.current {
                Some((arch, _)) => seen.pick_unseen(space.neighbours(arch), rng),
                None => None,
            };
            let arch = step.unwrap_or_else(|| {
                let jump = space.sample_unseen(rng, seen);
                self.restart = self.current.is_some().then(|| jump.clone());
                jump
            });
            out.push(arch);
        }
        Ok(out)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("SimulatedAnnealingOptim", metrics)?;
        self.seen.insert(arch);
        self.scores.push(score);
        let restart = self.restart.as_ref() == Some(arch);
        if restart {
            self.restart = None;
        }
        let accept = match &self.current {
            _ if restart => true,
            None => true,
            Some((_, current)) => {
                let delta = self.scores.scaled(score - current);
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
    /// simulated annealing: a walk to unseen neighbours, accepting a worse one with probability
    /// exp(Δ/(σT)), T cooling geometrically
    "SimulatedAnnealingOptim", |space, args: AnnealingArgs, seed| {
        SimulatedAnnealingOptim::new(space, args, seed)
    }
);
