//! `CoordinateOptim`: coordinate descent over the discrete space. It starts from the space's
//! default architecture and proposes every architecture one parameter step away from the best
//! one found so far; when none of them improves, it has reached a local optimum and stops.

use modnas::optim::{register_optim, ArchOptim, DiscreteSpace, OptimError};
use modnas::param_space::{ArchDesc, ParamSpace};
use modnas::core::MetricMap;
use std::collections::{HashSet, VecDeque};

/// The optimizer.
pub struct CoordinateOptim {
    space: DiscreteSpace,
    metric: String,
    best: Option<(ArchDesc, f64)>,
    queue: VecDeque<ArchDesc>,
    seen: HashSet<String>,
}

/// Arguments of `CoordinateOptim`.
#[modnas::core::nas_config]
#[derive(serde::Deserialize, modnas::schemars::JsonSchema)]
#[schemars(crate = "modnas::schemars")]
#[serde(deny_unknown_fields)]
pub struct CoordinateArgs {
    /// The metric to maximise.
    #[config(default = "acc".into())]
    metric: String,
}


impl CoordinateOptim {
    /// Starts at `space`'s current values; the seed is unused (the search is deterministic).
    pub fn new(space: &ParamSpace, args: CoordinateArgs, _seed: u64) -> Result<Self, OptimError> {
        let mut optim = Self {
            space: DiscreteSpace::from_space(space),
            metric: args.metric,
            best: None,
            queue: VecDeque::new(),
            seen: HashSet::new(),
        };
        optim.enqueue(vec![space.to_desc()]);
        Ok(optim)
    }

    fn enqueue(&mut self, archs: Vec<ArchDesc>) {
        for arch in archs {
            if self.seen.insert(arch.summary()) {
                self.queue.push_back(arch);
            }
        }
    }
}

impl ArchOptim for CoordinateOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let n = n.min(self.queue.len());
        Ok(self.queue.drain(..n).collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let Some(&score) = metrics.get(&self.metric) else {
            return Err(OptimError::MissingMetric {
                optim: "CoordinateOptim".into(),
                metric: self.metric.clone(),
                available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        if self.best.as_ref().is_none_or(|(_, best)| score > *best) {
            self.best = Some((arch.clone(), score));
            let around = self.space.neighbours(arch);
            self.enqueue(around);
        }
        Ok(())
    }
}

register_optim!(
    /// coordinate descent: every one-step neighbour of the best architecture, until none improves
    "CoordinateOptim", |space, args: CoordinateArgs, seed| CoordinateOptim::new(space, args, seed)
);
