//! `ParetoEvolutionOptim`: NSGA-II over several metrics, each maximised or minimised, with
//! hard constraints; keeps the Pareto front of everything evaluated.

use crate::pareto::{
    crowding_distance, non_dominated_fronts, ConstraintSpec, ObjectiveSpec, Point,
};
use crate::{register_optim, ArchOptim, DiscreteSpace, OptimError, SeenArchs, FRESH_TRIES};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// Arguments of [`ParetoEvolutionOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParetoEvolutionArgs {
    /// The objectives (at least one): `[{ metric = "acc", mode = "max" }, { metric = "flops", mode = "min" }]`.
    pub objectives: Vec<ObjectiveSpec>,
    /// Hard constraints: `[{ metric = "flops", max = 1e6 }]`. Default none.
    #[serde(default)]
    pub constraints: Vec<ConstraintSpec>,
    /// Population size.
    #[config(default = 50)]
    pub population: usize,
    /// Per-parameter mutation probability of offspring (at least one parameter always
    /// changes).
    #[config(default = 0.1)]
    pub mutation_prob: f64,
}

/// NSGA-II.
pub struct ParetoEvolutionOptim {
    space: DiscreteSpace,
    args: ParetoEvolutionArgs,
    rng: StdRng,
    /// Every evaluated architecture with its metrics and point.
    archive: Vec<(ArchDesc, MetricMap, Point)>,
    /// Indices into `archive` of the current parents.
    parents: Vec<usize>,
    /// Proposals waiting to be handed out.
    queue: Vec<ArchDesc>,
    /// Every architecture proposed or learnt from.
    seen: SeenArchs,
    /// Handed out, not yet evaluated.
    outstanding: usize,
    /// Archive index where the current generation's offspring start.
    generation_start: usize,
}

impl ParetoEvolutionOptim {
    /// NSGA-II over `space`.
    pub fn new(
        space: &ParamSpace,
        args: ParetoEvolutionArgs,
        seed: u64,
    ) -> Result<Self, OptimError> {
        if args.objectives.is_empty()
            || args.population < 2
            || !(0.0..=1.0).contains(&args.mutation_prob)
        {
            return Err(OptimError::InvalidArgs {
                optim: "ParetoEvolutionOptim".into(),
                reason: "need at least one objective, population >= 2 and mutation_prob in [0, 1]"
                    .into(),
            });
        }
        let space = DiscreteSpace::from_space(space);
        let mut rng = StdRng::seed_from_u64(seed);
        let mut seen = SeenArchs::default();
        let queue = (0..args.population)
            .map(|_| space.sample_unseen(&mut rng, &mut seen))
            .collect();
        Ok(Self {
            space,
            args,
            rng,
            archive: vec![],
            parents: vec![],
            queue,
            seen,
            outstanding: 0,
            generation_start: 0,
        })
    }

    fn points(&self, idx: &[usize]) -> Vec<Point> {
        idx.iter().map(|&i| self.archive[i].2.clone()).collect()
    }

    /// Environmental selection: parents ∪ offspring → the best `population` by front, then
    /// crowding distance.
    fn select(&mut self) {
        let pool: Vec<usize> = self
            .parents
            .iter()
            .copied()
            .chain(self.generation_start..self.archive.len())
            .collect();
        let pts = self.points(&pool);
        let mut chosen = vec![];
        for front in non_dominated_fronts(&pts) {
            if chosen.len() + front.len() <= self.args.population {
                chosen.extend(front.iter().map(|&i| pool[i]));
            } else {
                let d = crowding_distance(&pts, &front);
                let mut order: Vec<usize> = (0..front.len()).collect();
                order.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
                let room = self.args.population - chosen.len();
                chosen.extend(order.into_iter().take(room).map(|k| pool[front[k]]));
                break;
            }
        }
        self.parents = chosen;
        self.generation_start = self.archive.len();
    }

    /// Binary tournament on (front rank, crowding distance) among the parents.
    fn breed(&mut self) {
        let pts = self.points(&self.parents);
        let fronts = non_dominated_fronts(&pts);
        let mut rank = vec![0usize; pts.len()];
        let mut crowd = vec![0.0; pts.len()];
        for (r, front) in fronts.iter().enumerate() {
            for (k, d) in front.iter().zip(crowding_distance(&pts, front)) {
                rank[*k] = r;
                crowd[*k] = d;
            }
        }
        let n = self.parents.len();
        let pick = |rng: &mut StdRng| {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            if (rank[a], -crowd[a]) <= (rank[b], -crowd[b]) {
                a
            } else {
                b
            }
        };
        let (space, rng, prob) = (&self.space, &mut self.rng, self.args.mutation_prob);
        let (archive, parents) = (&self.archive, &self.parents);
        let mut breed = || {
            let (a, b) = (pick(rng), pick(rng));
            let child = space.crossover(&archive[parents[a]].0, &archive[parents[b]].0, rng);
            let child = space.mutate_one(&child, rng);
            space.mutate_each(&child, prob, rng)
        };
        // Children already seen in the run are bred again, up to `FRESH_TRIES` times.
        for _ in 0..self.args.population {
            self.queue.push(self.seen.fresh(FRESH_TRIES, &mut breed));
        }
    }

    /// The non-dominated feasible architectures among everything evaluated (all of the first
    /// front when none is feasible), with their metrics.
    pub fn front(&self) -> Vec<(ArchDesc, MetricMap)> {
        let idx: Vec<usize> = (0..self.archive.len()).collect();
        let pts = self.points(&idx);
        non_dominated_fronts(&pts)
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(|i| (self.archive[i].0.clone(), self.archive[i].1.clone()))
            .collect()
    }
}

impl ArchOptim for ParetoEvolutionOptim {
    fn random_proposals(&self) -> usize {
        self.args.population
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        if self.queue.is_empty() && !self.archive.is_empty() {
            self.select();
            self.breed();
        }
        let take = n.min(self.queue.len());
        let out: Vec<ArchDesc> = self.queue.drain(..take).collect();
        self.outstanding += out.len();
        Ok(out)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let point = Point::from_metrics(
            "ParetoEvolutionOptim",
            metrics,
            &self.args.objectives,
            &self.args.constraints,
        )?;
        self.seen.insert(arch);
        self.archive.push((arch.clone(), metrics.clone(), point));
        self.outstanding = self.outstanding.saturating_sub(1);
        Ok(())
    }

    fn pareto_front(&self) -> Option<Vec<(ArchDesc, MetricMap)>> {
        Some(self.front())
    }
}

register_optim!(
    /// NSGA-II over several metrics: non-dominated sorting and crowding distance
    "ParetoEvolutionOptim", |space, args: ParetoEvolutionArgs, seed| {
        ParetoEvolutionOptim::new(space, args, seed)
    }
);
