//! `LocalSearchOptim`: hill climbing. Evaluate the neighbours of the current architecture in
//! random order and move to the first that improves on it (or, with `improvement = "best"`, to
//! the best of them all if it improves); restart from an unseen random architecture at a local
//! optimum. First improvement climbs in fewer evaluations, which matters at small budgets.

use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score, SeenArchs};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Deserialize;

/// Arguments of [`LocalSearchOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalSearchArgs {
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
    /// Random architectures evaluated first; the climb starts from the best of them (a
    /// single random start may land on a plateau, such as NB201's disconnected cells).
    #[config(default = 10)]
    pub initial: usize,
    /// Which improving neighbour to move to: `"first"` (default) or `"best"`.
    #[serde(default)]
    pub improvement: Improvement,
}

/// The move rule of [`LocalSearchOptim`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Improvement {
    /// Move to the first evaluated neighbour that beats the current architecture.
    #[default]
    First,
    /// Evaluate every neighbour, then move to the best if it beats the current architecture.
    Best,
}

/// Hill climbing from the best of a random sample, with random restarts.
pub struct LocalSearchOptim {
    space: DiscreteSpace,
    score: Score,
    improvement: Improvement,
    rng: StdRng,
    /// The centre of the current neighbourhood and its score.
    centre: Option<(ArchDesc, f64)>,
    /// Neighbours of the centre not yet proposed.
    pending: Vec<ArchDesc>,
    /// Neighbours proposed but not yet evaluated.
    waiting: usize,
    /// Best neighbour seen around the centre.
    best_neighbour: Option<(ArchDesc, f64)>,
    /// Random starting points still to propose, and still to learn from.
    initial: (usize, usize),
    /// The best starting point learnt so far.
    best_initial: Option<(ArchDesc, f64)>,
    /// Architectures already proposed (not proposed again).
    seen: SeenArchs,
}

impl LocalSearchOptim {
    /// Hill climbing over `space`.
    pub fn new(space: &ParamSpace, args: LocalSearchArgs, seed: u64) -> Self {
        Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric, args.mode),
            improvement: args.improvement,
            rng: StdRng::seed_from_u64(seed),
            centre: None,
            pending: Vec::new(),
            waiting: 0,
            best_neighbour: None,
            initial: (args.initial, args.initial),
            best_initial: None,
            seen: SeenArchs::default(),
        }
    }

    /// Neighbours not proposed before, in random order.
    fn unseen_neighbours(&mut self, arch: &ArchDesc) -> Vec<ArchDesc> {
        let mut n: Vec<ArchDesc> = self
            .space
            .neighbours(arch)
            .into_iter()
            .filter(|a| !self.seen.contains(a))
            .collect();
        n.shuffle(&mut self.rng);
        n
    }

    fn fresh(&mut self, arch: ArchDesc) -> Option<ArchDesc> {
        self.seen.insert(&arch).then_some(arch)
    }

    fn restart(&mut self) -> ArchDesc {
        self.centre = None;
        self.space.sample_unseen(&mut self.rng, &mut self.seen)
    }

    fn propose(&mut self) -> ArchDesc {
        if self.initial.0 > 0 {
            self.initial.0 -= 1;
            return self.space.sample_unseen(&mut self.rng, &mut self.seen);
        }
        while let Some(n) = self.pending.pop() {
            if let Some(a) = self.fresh(n) {
                self.waiting += 1;
                return a;
            }
        }
        self.restart()
    }

    /// A (re)start point: it becomes the centre; its neighbours are queued.
    fn step_centre(&mut self, arch: ArchDesc, score: f64) -> Result<(), OptimError> {
        self.pending = self.unseen_neighbours(&arch);
        self.centre = Some((arch, score));
        self.waiting = 0;
        self.best_neighbour = None;
        Ok(())
    }
}

impl ArchOptim for LocalSearchOptim {
    fn random_proposals(&self) -> usize {
        self.initial.0.max(self.initial.1)
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        Ok((0..n).map(|_| self.propose()).collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("LocalSearchOptim", metrics)?;
        if self.initial.1 > 0 {
            self.initial.1 -= 1;
            if self.best_initial.as_ref().is_none_or(|(_, b)| score > *b) {
                self.best_initial = Some((arch.clone(), score));
            }
            if self.initial.1 > 0 {
                return Ok(());
            }
            // The climb starts from the best of the sample.
            let (start, start_score) = self.best_initial.take().expect("set just above");
            return self.step_centre(start, start_score);
        }
        let Some((_, centre_score)) = &self.centre else {
            return self.step_centre(arch.clone(), score);
        };
        let centre_score = *centre_score;
        self.waiting = self.waiting.saturating_sub(1);
        if self.improvement == Improvement::First && score > centre_score {
            // Neighbours of the old centre still in flight are compared with the new one.
            self.pending = self.unseen_neighbours(arch);
            self.centre = Some((arch.clone(), score));
            return Ok(());
        }
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
    /// hill climbing: move to the best neighbour while it improves, restart at random at a local
    /// optimum
    "LocalSearchOptim", |space, args: LocalSearchArgs, seed| {
        Ok(LocalSearchOptim::new(space, args, seed))
    }
);
