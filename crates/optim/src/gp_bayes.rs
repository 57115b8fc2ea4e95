//! `GPBayesOptim`: Bayesian optimisation with a Gaussian-process surrogate (RBF kernel, length
//! scale chosen by marginal likelihood) and expected improvement, for numeric parameters
//! (categoricals are encoded one-hot).

use crate::{register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, Score, SeenArchs};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use nalgebra::{Cholesky, DMatrix, DVector, Dyn};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Deserialize;

/// Arguments of [`GPBayesOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpBayesArgs {
    /// Random proposals before the first fit.
    #[config(default = 5)]
    pub init_samples: usize,
    /// Random candidates scored by expected improvement per proposal (plus as many
    /// single-parameter moves from the best point).
    #[config(default = 1000)]
    pub candidates: usize,
    /// Exploration margin ξ of expected improvement, in standardised units.
    #[config(default = 0.01)]
    pub xi: f64,
    /// Observation noise variance, in standardised units.
    #[config(default = 1e-4)]
    pub noise: f64,
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// A fitted GP posterior.
struct Posterior {
    x: Vec<Vec<f64>>,
    chol: Cholesky<f64, Dyn>,
    alpha: DVector<f64>,
    length: f64,
}

fn rbf(a: &[f64], b: &[f64], length: f64) -> f64 {
    let d2: f64 = a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum();
    (-d2 / (2.0 * length * length)).exp()
}

impl Posterior {
    /// Fits on standardised targets `y`; `None` if the kernel matrix is singular.
    fn fit(x: &[Vec<f64>], y: &DVector<f64>, length: f64, noise: f64) -> Option<(Self, f64)> {
        let n = x.len();
        let k = DMatrix::from_fn(n, n, |i, j| {
            rbf(&x[i], &x[j], length) + if i == j { noise } else { 0.0 }
        });
        let chol = k.cholesky()?;
        let alpha = chol.solve(y);
        // Log marginal likelihood, up to a constant: −½ yᵀα − Σ log Lᵢᵢ.
        let lml = -0.5 * y.dot(&alpha)
            - chol
                .l_dirty()
                .diagonal()
                .iter()
                .map(|d| d.ln())
                .sum::<f64>();
        Some((
            Self {
                x: x.to_vec(),
                chol,
                alpha,
                length,
            },
            lml,
        ))
    }

    fn predict(&self, q: &[f64]) -> (f64, f64) {
        let ks = DVector::from_iterator(
            self.x.len(),
            self.x.iter().map(|xi| rbf(xi, q, self.length)),
        );
        let mean = ks.dot(&self.alpha);
        let v = self
            .chol
            .l()
            .solve_lower_triangular(&ks)
            .unwrap_or_else(|| ks.clone());
        let var = (1.0 - v.dot(&v)).max(1e-12);
        (mean, var.sqrt())
    }
}

/// Expected improvement of a point with posterior `(mean, sd)` over `best` (maximising).
fn expected_improvement(mean: f64, sd: f64, best: f64, xi: f64) -> f64 {
    let gain = mean - best - xi;
    let z = gain / sd;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2));
    gain * cdf + sd * pdf
}

/// GP-based Bayesian optimisation with expected improvement.
pub struct GPBayesOptim {
    space: DiscreteSpace,
    args: GpBayesArgs,
    score: Score,
    rng: StdRng,
    evaluated: Vec<(ArchDesc, Vec<f64>, f64)>,
    seen: SeenArchs,
}

impl GPBayesOptim {
    /// Bayesian optimisation over `space`.
    pub fn new(space: &ParamSpace, args: GpBayesArgs, seed: u64) -> Result<Self, OptimError> {
        if args.candidates == 0 || args.noise.is_nan() || args.noise <= 0.0 {
            return Err(OptimError::InvalidArgs {
                optim: "GPBayesOptim".into(),
                reason: "need candidates >= 1 and noise > 0".into(),
            });
        }
        Ok(Self {
            space: DiscreteSpace::from_space(space),
            score: Score::new(args.metric.clone(), args.mode),
            args,
            rng: StdRng::seed_from_u64(seed),
            evaluated: vec![],
            seen: SeenArchs::default(),
        })
    }

    fn fit(&self) -> Option<(Posterior, f64)> {
        let ys: Vec<f64> = self.evaluated.iter().map(|e| e.2).collect();
        let n = ys.len() as f64;
        let mean = ys.iter().sum::<f64>() / n;
        let sd = (ys.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-12);
        let y = DVector::from_iterator(ys.len(), ys.iter().map(|v| (v - mean) / sd));
        let x: Vec<Vec<f64>> = self.evaluated.iter().map(|e| e.1.clone()).collect();
        let best = y.max();
        [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
            .into_iter()
            .filter_map(|l| Posterior::fit(&x, &y, l, self.args.noise))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| (p, best))
    }

    fn propose(&mut self) -> ArchDesc {
        let fitted = (self.evaluated.len() >= self.args.init_samples.max(2))
            .then(|| self.fit())
            .flatten();
        let Some((gp, best)) = fitted else {
            return self.space.sample_unseen(&mut self.rng, &mut self.seen);
        };
        let incumbent = self
            .evaluated
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .map(|e| e.0.clone());
        let mut pool: Vec<ArchDesc> = (0..self.args.candidates)
            .map(|_| self.space.sample(&mut self.rng))
            .collect();
        if let Some(inc) = incumbent {
            pool.extend(
                (0..self.args.candidates).map(|_| self.space.mutate_one(&inc, &mut self.rng)),
            );
        }
        pool.into_iter()
            .filter(|a| !self.seen.contains(a))
            .map(|a| {
                let (m, s) = gp.predict(&self.space.encode(&a));
                (expected_improvement(m, s, best, self.args.xi), a)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, a)| a)
            .unwrap_or_else(|| self.space.sample_unseen(&mut self.rng, &mut self.seen))
    }
}

impl ArchOptim for GPBayesOptim {
    fn random_proposals(&self) -> usize {
        self.args.init_samples
    }

    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let a = self.propose();
            self.seen.insert(&a);
            out.push(a);
        }
        Ok(out)
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let score = self.score.of("GPBayesOptim", metrics)?;
        self.seen.insert(arch);
        if score.is_finite() {
            self.evaluated
                .push((arch.clone(), self.space.encode(arch), score));
        }
        Ok(())
    }
}

register_optim!(
    /// Bayesian optimisation: Gaussian process with expected improvement
    "GPBayesOptim", |space, args: GpBayesArgs, seed| GPBayesOptim::new(space, args, seed)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_improvement_prefers_high_mean_and_high_uncertainty() {
        assert!(
            expected_improvement(1.0, 0.1, 0.0, 0.0) > expected_improvement(0.5, 0.1, 0.0, 0.0)
        );
        assert!(
            expected_improvement(0.0, 1.0, 0.0, 0.0) > expected_improvement(0.0, 0.1, 0.0, 0.0)
        );
        assert!(expected_improvement(-5.0, 1e-6, 0.0, 0.0) < 1e-9);
    }

    #[test]
    fn posterior_interpolates_observations() {
        let x = vec![vec![0.0], vec![0.5], vec![1.0]];
        let y = DVector::from_vec(vec![1.0, -1.0, 0.5]);
        let (gp, _) = Posterior::fit(&x, &y, 0.2, 1e-6).unwrap();
        let (m, s) = gp.predict(&[0.5]);
        assert!((m + 1.0).abs() < 1e-3 && s < 1e-2, "{m} {s}");
        let (_, far) = gp.predict(&[3.0]);
        assert!(far > 0.9, "far from data the prior variance returns: {far}");
    }
}
