//! `BOHBOptim` (Falkner et al., 2018): Hyperband whose brackets draw new architectures from a
//! model instead of at random — the model of the largest fidelity (epochs) that holds enough
//! results, here a [`ModelBasedOptim`] surrogate per fidelity (boosted trees by default, the
//! SMBO modnas already has) — with a share of random draws kept for exploration.

use crate::hyperband::{HyperbandOptim, HyperbandOptimArgs};
use crate::{register_optim, ArchOptim, ModelBasedArgs, ModelBasedOptim, OptimError};
use modnas_core::{Merged, MetricMap};
use modnas_param_space::{ArchDesc, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The arguments `BOHBOptim` adds to [`HyperbandOptimArgs`], whose keys it takes too.
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BohbModelArgs {
    /// The surrogate of each fidelity's model: `"gbt"` (default), `"mlp"` or `"linear"`.
    #[config(default = "gbt".into())]
    pub model: String,
    /// Results a fidelity needs before its model proposes.
    #[config(default = 6)]
    pub min_points: usize,
    /// Share of a bracket's new architectures drawn at random all the same.
    #[config(default = 1.0 / 3.0)]
    pub random_fraction: f64,
}

/// One model per fidelity, fitted on the results at those epochs.
pub(crate) struct FidelityModels {
    /// Results a model needs before it proposes.
    ready: usize,
    random_fraction: f64,
    rng: StdRng,
    /// Epochs → the model of the results at them, and how many it holds.
    models: BTreeMap<usize, (ModelBasedOptim, usize)>,
}

impl FidelityModels {
    /// Draws a new architecture: from the model of the largest fidelity with enough results,
    /// or from `random` (for the `random_fraction`, and while no model is ready).
    pub(crate) fn draw(
        &mut self,
        random: &mut dyn FnMut() -> Result<Option<ArchDesc>, OptimError>,
    ) -> Result<Option<ArchDesc>, OptimError> {
        let ready = self.ready;
        let explore = self.rng.random::<f64>() < self.random_fraction;
        let model = self
            .models
            .values_mut()
            .rev()
            .find(|(_, count)| *count >= ready)
            .filter(|_| !explore);
        match model {
            Some((m, _)) => Ok(m.next(1)?.pop()),
            None => random(),
        }
    }

    /// Learns a result after `epochs` epochs.
    pub(crate) fn learn(
        &mut self,
        epochs: usize,
        arch: &ArchDesc,
        metrics: &MetricMap,
    ) -> Result<(), OptimError> {
        if let Some((model, count)) = self.models.get_mut(&epochs) {
            model.step(arch, metrics)?;
            *count += 1;
        }
        Ok(())
    }
}

/// BOHB: Hyperband with model-based draws (see the module docs).
pub struct BohbOptim(HyperbandOptim);
impl BohbOptim {
    /// BOHB over `space` with Hyperband's `hyperband` arguments and the models' `args`,
    /// seeded with `seed`.
    pub fn new(
        space: &ParamSpace,
        hyperband: HyperbandOptimArgs,
        args: BohbModelArgs,
        seed: u64,
    ) -> Result<Self, OptimError> {
        if !(0.0..=1.0).contains(&args.random_fraction) || args.min_points < 2 {
            return Err(OptimError::InvalidArgs {
                optim: "BOHBOptim".into(),
                reason: format!(
                    "needs `random_fraction` within 0 and 1 and `min_points` ≥ 2, not {} and {}",
                    args.random_fraction, args.min_points
                ),
            });
        }
        let model_args = ModelBasedArgs {
            model: args.model.clone(),
            init_samples: args.min_points,
            metric: hyperband.metric.clone(),
            mode: hyperband.mode,
            ..crate::parse_optim_args("BOHBOptim", &toml::Table::new())?
        };
        let (ready, random_fraction) = (args.min_points, args.random_fraction);
        let models = |fidelities: &[usize]| {
            let models = fidelities
                .iter()
                .map(|&epochs| {
                    let seed = seed.wrapping_add(epochs as u64);
                    let m = ModelBasedOptim::new(space, model_args.clone(), seed)?;
                    Ok((epochs, (m, 0)))
                })
                .collect::<Result<_, OptimError>>()?;
            Ok(Some(FidelityModels {
                ready,
                random_fraction,
                rng: StdRng::seed_from_u64(seed ^ 0xB0B),
                models,
            }))
        };
        HyperbandOptim::with_models(space, hyperband, seed, models).map(Self)
    }
}

impl ArchOptim for BohbOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        self.0.next(n)
    }
    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        self.0.step(arch, metrics)
    }
    fn score(&self) -> Option<&crate::Score> {
        self.0.score()
    }
    fn fidelity(&self, arch: &ArchDesc) -> Option<crate::Fidelity> {
        self.0.fidelity(arch)
    }
    fn chooses_fidelity(&self) -> Option<crate::FidelityKind> {
        self.0.chooses_fidelity()
    }
}

register_optim!(
    /// BOHB: Hyperband whose brackets draw new architectures from a surrogate of the largest
    /// fidelity with enough results
    "BOHBOptim", |space, args: Merged<HyperbandOptimArgs, BohbModelArgs>, seed| {
        BohbOptim::new(space, args.own, args.shared, seed)
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::Categorical;

    fn space() -> ParamSpace {
        let mut s = ParamSpace::new();
        for p in ["a", "b", "c"] {
            s.insert(p, Categorical::new((0..6i64).collect::<Vec<_>>()).unwrap())
                .unwrap();
        }
        s
    }

    /// The score of an architecture: high when every value is high.
    fn acc(arch: &ArchDesc) -> MetricMap {
        let sum: i64 = ["a", "b", "c"]
            .iter()
            .map(|p| arch.get(p).unwrap().as_i64().unwrap())
            .sum();
        MetricMap::from([("acc".to_string(), sum as f64)])
    }

    /// BOHB from a TOML table, as the registry builds it.
    fn from_table(args: &toml::Table, seed: u64) -> Result<BohbOptim, OptimError> {
        let args: Merged<HyperbandOptimArgs, BohbModelArgs> =
            crate::parse_optim_args("BOHBOptim", args)?;
        BohbOptim::new(&space(), args.own, args.shared, seed)
    }

    #[test]
    fn later_brackets_draw_from_the_model_and_find_better_architectures() {
        let args = |random_fraction: f64| {
            let mut t = toml::toml! { max_epochs = 9
            min_points = 4 };
            t.insert("random_fraction".into(), random_fraction.into());
            t
        };
        // Mean score of the architectures each optimizer samples anew over a few brackets.
        let fresh_mean = |random_fraction: f64| {
            let mut o = from_table(&args(random_fraction), 2).unwrap();
            let mut firsts = vec![];
            for _ in 0..12 {
                let archs = o.next(100).unwrap();
                for a in &archs {
                    o.step(a, &acc(a)).unwrap();
                }
                if o.0.round_is_first() {
                    firsts.extend(archs.iter().map(|a| acc(a)["acc"]));
                }
            }
            firsts.iter().sum::<f64>() / firsts.len() as f64
        };
        let model = fresh_mean(0.0);
        let random = fresh_mean(1.0);
        assert!(model > random + 1.0, "model {model} vs random {random}");
    }

    #[test]
    fn bad_arguments_are_named() {
        let t = toml::toml! { random_fraction = 1.5 };
        let err = from_table(&t, 0).err().unwrap().to_string();
        assert!(err.contains("random_fraction"), "{err}");
        // An unknown key lists both halves' keys.
        let t = toml::toml! { min_point = 3 };
        let err = from_table(&t, 0).err().unwrap().to_string();
        assert!(
            err.contains("min_point") && err.contains("max_epochs"),
            "{err}"
        );
        assert!(
            err.contains("shared keys: min_points, model, random_fraction"),
            "{err}"
        );
    }
}
