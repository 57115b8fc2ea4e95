//! `LocalSearchOptim`: hill climbing. Evaluate every neighbour of the current architecture,
//! move to the best one if it improves, restart from a random architecture at a local optimum.

use crate::regularized_evolution::default_metric;
use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score};
use modnas_param_space::{ArchDesc, MetricMap, ParamSpace};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Deserialize;
use std::collections::HashSet;

/// Arguments of [`LocalSearchOptim`].
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalSearchArgs {
    /// Metric to maximise or minimise. Default `acc`.
    #[serde(default = "default_metric")]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// Best-improvement hill climbing with random restarts.
pub struct LocalSearchOptim {
    space: DiscreteSpace,
    score: Score,
    rng: StdRng,
    /// The centre of the current neighbourhood and its score.
    centre: Option<(ArchDesc, f64)>,
    /// Neighbours of the centre not yet proposed.
    pending: Vec<ArchDesc>,
    /// Neighbours proposed but not yet evaluated.
    waiting: usize,
    /// Best neighbour seen around the centre.
    best_neighbour: Option<(ArchDesc, f64)>,
    /// Architectures already proposed (not proposed again).
    seen: HashSet<String>,
}

impl LocalSearchOptim {
    /// Hill climbing over `space`.
    pub fn new(space: &ParamSpace, args: LocalSearchArgs, seed: u64) -> Self {
        Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric, args.mode),
            rng: StdRng::seed_from_u64(seed),
            centre: None,
            pending: Vec::new(),
            waiting: 0,
            best_neighbour: None,
            seen: HashSet::new(),
        }
    }

    /// Neighbours not proposed before, in reverse order (proposals pop from the back).
    fn unseen_neighbours(&self, arch: &ArchDesc) -> Vec<ArchDesc> {
        let mut n: Vec<ArchDesc> = self
            .space
            .neighbours(arch)
            .into_iter()
            .filter(|a| !self.seen.contains(&a.summary()))
            .collect();
        n.reverse();
        n
    }

    fn fresh(&mut self, arch: ArchDesc) -> Option<ArchDesc> {
        self.seen.insert(arch.summary()).then_some(arch)
    }

    fn restart(&mut self) -> ArchDesc {
        self.centre = None;
        let arch = self.space.sample_unseen(&mut self.rng, &self.seen);
        self.seen.insert(arch.summary());
        arch
    }

    fn propose(&mut self) -> ArchDesc {
        while let Some(n) = self.pending.pop() {
            if let Some(a) = self.fresh(n) {
                self.waiting += 1;
                return a;
            }
        }
        self.restart()
    }
}

impl ArchOptim for LocalSearchOptim {
    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        Ok((0..n).map(|_| self.propose()).collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("LocalSearchOptim", metrics)?;
        let Some((_, centre_score)) = &self.centre else {
            // A (re)start point: it becomes the centre; queue its neighbours.
            self.centre = Some((arch.clone(), score));
            self.pending = self.unseen_neighbours(arch);
            self.waiting = 0;
            self.best_neighbour = None;
            return Ok(());
        };
        let centre_score = *centre_score;
        self.waiting = self.waiting.saturating_sub(1);
        if self.best_neighbour.as_ref().is_none_or(|(_, b)| score > *b) {
            self.best_neighbour = Some((arch.clone(), score));
        }
        if self.pending.is_empty() && self.waiting == 0 {
            match self.best_neighbour.take() {
                Some((best, s)) if s > centre_score => {
                    self.pending = self.unseen_neighbours(&best);
                    self.centre = Some((best, s));
                }
                // A local optimum: the next proposal restarts.
                _ => self.centre = None,
            }
        }
        Ok(())
    }
}

register_optim!(
    "LocalSearchOptim",
    new = |space, args, seed| Ok(LocalSearchOptim::new(space, args, seed))
);
modnas_param_space::describe_component!(
    "optimizer",
    "LocalSearchOptim",
    "hill climbing: move to the best neighbour while it improves, restart at random at a local optimum",
    LocalSearchArgs
);
