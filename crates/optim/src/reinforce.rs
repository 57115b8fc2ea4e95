//! `REINFORCEOptim`: a policy of independent softmax distributions, one per discrete parameter,
//! trained with the REINFORCE gradient, a moving-average reward baseline and an entropy bonus.
//!
//! Two guards keep the policy exploring on any metric's scale: the advantage is measured in
//! standard deviations of the rewards so far (clipped to ±3), so a percentage metric does not
//! take hundred-fold steps, and a sample the run has already seen is drawn again (up to
//! 16 times), so a sharpening policy keeps proposing new architectures.

use crate::{
    register_optim, ArchOptim, Direction, DiscreteSpace, OptimError, RunningStats, Score,
    SeenArchs, FRESH_TRIES,
};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace, ParamValue};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// Arguments of [`REINFORCEOptim`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReinforceArgs {
    /// Learning rate of the logits, per standard deviation of advantage.
    #[config(default = 0.15)]
    pub lr: f64,
    /// Decay of the moving-average baseline.
    #[config(default = 0.9)]
    pub baseline_decay: f64,
    /// Weight of the entropy bonus.
    #[config(default = 0.05)]
    pub entropy_weight: f64,
    /// Metric to maximise or minimise.
    #[config(default = "acc".to_string())]
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// Largest advantage, in standard deviations, one step learns from.
const ADVANTAGE_CLIP: f64 = 3.0;

/// One categorical distribution of the policy.
struct Head {
    name: String,
    values: Vec<ParamValue>,
    logits: Vec<f64>,
}

impl Head {
    fn probs(&self) -> Vec<f64> {
        let max = self.logits.iter().copied().fold(f64::MIN, f64::max);
        let exp: Vec<f64> = self.logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }
}

/// REINFORCE over independent per-parameter softmax policies (categorical parameters and
/// integer ranges of up to 256 values).
pub struct REINFORCEOptim {
    args: ReinforceArgs,
    score: Score,
    heads: Vec<Head>,
    baseline: Option<f64>,
    rewards: RunningStats,
    seen: SeenArchs,
    rng: StdRng,
}

impl REINFORCEOptim {
    /// A policy over `space`; float ranges are not supported.
    pub fn new(space: &ParamSpace, args: ReinforceArgs, seed: u64) -> Result<Self, OptimError> {
        let valid = args.lr > 0.0
            && (0.0..1.0).contains(&args.baseline_decay)
            && args.entropy_weight >= 0.0;
        if !valid {
            return Err(OptimError::InvalidArgs {
                optim: "REINFORCEOptim".into(),
                reason: format!(
                    "need lr > 0, 0 <= baseline_decay < 1, entropy_weight >= 0; got lr={} baseline_decay={} entropy_weight={}",
                    args.lr, args.baseline_decay, args.entropy_weight
                ),
            });
        }
        let mut heads = vec![];
        for (name, domain) in DiscreteSpace::from_space(space).params() {
            let card = domain.cardinality().filter(|&c| c <= 256).ok_or_else(|| {
                OptimError::UnsupportedSpace {
                    optim: "REINFORCEOptim".into(),
                    reason: format!("parameter `{name}` is a float or has more than 256 values"),
                }
            })?;
            heads.push(Head {
                name: name.clone(),
                values: (0..card).map(|i| domain.value_at(i)).collect(),
                logits: vec![0.0; card as usize],
            });
        }
        Ok(Self {
            score: Score::new(args.metric.clone(), args.mode),
            args,
            heads,
            baseline: None,
            rewards: RunningStats::default(),
            seen: SeenArchs::default(),
            rng: StdRng::seed_from_u64(seed),
        })
    }

    /// The current probabilities of each parameter's values, in space order.
    pub fn policy(&self) -> Vec<(String, Vec<f64>)> {
        self.heads
            .iter()
            .map(|h| (h.name.clone(), h.probs()))
            .collect()
    }
}

/// One architecture drawn from the policy.
fn sample(heads: &[Head], rng: &mut StdRng) -> ArchDesc {
    let mut arch = ArchDesc::new();
    for h in heads {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let probs = h.probs();
        let i = probs.iter().position(|p| {
            acc += p;
            u < acc
        });
        arch.insert(
            h.name.clone(),
            h.values[i.unwrap_or(probs.len() - 1)].clone(),
        );
    }
    arch
}

impl ArchOptim for REINFORCEOptim {
    fn score(&self) -> Option<&Score> {
        Some(&self.score)
    }

    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let (heads, rng) = (&self.heads, &mut self.rng);
        Ok((0..n)
            .map(|_| self.seen.fresh(FRESH_TRIES, || sample(heads, rng)))
            .collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let reward = self.score.of("REINFORCEOptim", metrics)?;
        self.seen.insert(arch);
        if !reward.is_finite() {
            return Ok(());
        }
        self.rewards.push(reward);
        let baseline = *self.baseline.get_or_insert(reward);
        let advantage = self
            .rewards
            .scaled(reward - baseline)
            .clamp(-ADVANTAGE_CLIP, ADVANTAGE_CLIP);
        for h in &mut self.heads {
            let Some(taken) = arch
                .get(&h.name)
                .and_then(|v| h.values.iter().position(|x| x == v))
            else {
                continue;
            };
            let p = h.probs();
            let entropy: f64 = -p
                .iter()
                .map(|q| if *q > 0.0 { q * q.ln() } else { 0.0 })
                .sum::<f64>();
            for (j, logit) in h.logits.iter_mut().enumerate() {
                // ∂ log π(taken) / ∂θ_j = 1[j = taken] − p_j;  ∂H / ∂θ_j = −p_j (ln p_j + H).
                let log_grad = (j == taken) as u8 as f64 - p[j];
                let entropy_grad = -p[j] * (p[j].max(1e-300).ln() + entropy);
                *logit +=
                    self.args.lr * (advantage * log_grad + self.args.entropy_weight * entropy_grad);
            }
        }
        self.baseline =
            Some(self.args.baseline_decay * baseline + (1.0 - self.args.baseline_decay) * reward);
        Ok(())
    }
}

register_optim!(
    /// a softmax policy per parameter trained with REINFORCE and a moving-average baseline (RL-NAS)
    "REINFORCEOptim", |space, args: ReinforceArgs, seed| REINFORCEOptim::new(space, args, seed)
);
