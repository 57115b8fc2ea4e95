//! `ModelBasedOptim` (SMBO): fit a surrogate of the metric on the evaluated architectures,
//! then propose the unseen architecture the surrogate scores highest, found by simulated
//! annealing over the surrogate or by random sampling (paper, G.3).

use crate::surrogate::{build_surrogate, Surrogate};
use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score, SeenArchs};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// How the surrogate's maximum is searched.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Acquisition {
    /// Simulated annealing on the surrogate, from the best evaluated architecture.
    #[default]
    Annealing,
    /// The best of `candidates` random architectures.
    Random,
}

/// Arguments of [`ModelBasedOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelBasedArgs {
    /// Surrogate: `"gbt"` (default), `"mlp"` or `"linear"`.
    #[config(default = "gbt".into())]
    pub model: String,
    /// `"annealing"` (default) or `"random"`.
    #[serde(default)]
    pub acquisition: Acquisition,
    /// Random proposals before the first fit.
    #[config(default = 10)]
    pub init_samples: usize,
    /// Refit the surrogate every this many results.
    #[config(default = 1)]
    pub refit_every: usize,
    /// Random candidates scored per proposal (`random` acquisition).
    #[config(default = 1000)]
    pub candidates: usize,
    /// Annealing steps per proposal (`annealing` acquisition).
    #[config(default = 300)]
    pub annealing_steps: usize,
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// Sequential model-based optimisation.
pub struct ModelBasedOptim {
    space: DiscreteSpace,
    args: ModelBasedArgs,
    score: Score,
    surrogate: Box<dyn Surrogate>,
    rng: StdRng,
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    evaluated: Vec<(ArchDesc, f64)>,
    seen: SeenArchs,
    fitted_at: usize,
}

impl ModelBasedOptim {
    /// SMBO over `space`.
    pub fn new(space: &ParamSpace, args: ModelBasedArgs, seed: u64) -> Result<Self, OptimError> {
        if args.refit_every == 0 || args.candidates == 0 {
            return Err(OptimError::InvalidArgs {
                optim: "ModelBasedOptim".into(),
                reason: "`refit_every` and `candidates` must be at least 1".into(),
            });
        }
        Ok(Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric.clone(), args.mode),
            surrogate: build_surrogate(&args.model, seed)?,
            args,
            rng: StdRng::seed_from_u64(seed),
            x: vec![],
            y: vec![],
            evaluated: vec![],
            seen: SeenArchs::default(),
            fitted_at: 0,
        })
    }

    fn predict(&self, arch: &ArchDesc) -> f64 {
        self.surrogate.predict(&[self.space.encode(arch)])[0]
    }

    fn unseen_random(&mut self) -> ArchDesc {
        self.space.sample_unseen(&mut self.rng, &mut self.seen)
    }

    fn acquire(&mut self) -> ArchDesc {
        let best_unseen = |me: &Self, pool: Vec<ArchDesc>| -> Option<ArchDesc> {
            let pool: Vec<ArchDesc> = pool.into_iter().filter(|a| !me.seen.contains(a)).collect();
            let x: Vec<Vec<f64>> = pool.iter().map(|a| me.space.encode(a)).collect();
            let p = me.surrogate.predict(&x);
            pool.into_iter()
                .zip(p)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(a, _)| a)
        };
        let found = match self.args.acquisition {
            Acquisition::Random => {
                let pool = (0..self.args.candidates)
                    .map(|_| self.space.sample(&mut self.rng))
                    .collect();
                best_unseen(self, pool)
            }
            Acquisition::Annealing => {
                let start = self
                    .evaluated
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(a, _)| a.clone());
                let mut current = start.unwrap_or_else(|| self.space.sample(&mut self.rng));
                let mut current_p = self.predict(&current);
                let mut visited = vec![];
                let steps = self.args.annealing_steps.max(1);
                for step in 0..steps {
                    let t = 0.1 * (1.0 - step as f64 / steps as f64) + 1e-6;
                    let cand = self.space.mutate_one(&current, &mut self.rng);
                    let p = self.predict(&cand);
                    if p >= current_p || self.rng.random::<f64>() < ((p - current_p) / t).exp() {
                        current = cand.clone();
                        current_p = p;
                    }
                    visited.push(cand);
                }
                best_unseen(self, visited)
            }
        };
        found.unwrap_or_else(|| self.unseen_random())
    }
}

impl ArchOptim for ModelBasedOptim {
    fn random_proposals(&self) -> usize {
        self.args.init_samples
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            if self.y.len() >= self.args.init_samples.max(2)
                && (self.fitted_at == 0 || self.y.len() >= self.fitted_at + self.args.refit_every)
            {
                self.surrogate.fit(&self.x, &self.y)?;
                self.fitted_at = self.y.len();
            }
            let arch = if self.fitted_at == 0 {
                self.unseen_random()
            } else {
                self.acquire()
            };
            self.seen.insert(&arch);
            out.push(arch);
        }
        Ok(out)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("ModelBasedOptim", metrics)?;
        if score.is_finite() {
            self.x.push(self.space.encode(arch));
            self.y.push(score);
        }
        self.seen.insert(arch);
        self.evaluated.push((arch.clone(), score));
        Ok(())
    }
}

register_optim!(
    /// SMBO: a surrogate (boosted trees, MLP or ridge) fitted on the trials proposes the unseen
    /// architecture it scores highest
    "ModelBasedOptim", |space, args: ModelBasedArgs, seed| ModelBasedOptim::new(space, args, seed)
);
