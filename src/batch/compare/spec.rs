//! The comparison file: search spaces × optimizers × seeds, each combination one run of a
//! base config with the space's, the optimizer's and the budget's overrides.

use crate::{Config, ModnasError};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A search space of the matrix: a config and overrides on it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceSpec {
    /// The modnas config the space starts from, relative to the comparison file.
    pub config: PathBuf,
    /// Overrides that make the space (`model.args.layers = 2`).
    #[serde(default)]
    pub overrides: Vec<String>,
    /// The accuracy efficiency is measured from. Default: chance, 1 / classes (see the docs).
    #[serde(default)]
    pub baseline: Option<f64>,
}

/// An optimizer of the matrix, with whatever else it needs (its mixed operator, estimator).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimSpec {
    /// Overrides that select the method (`optim.type = "GDASOptim"`).
    pub overrides: Vec<String>,
}

/// Overrides that turn a combination's config into another run of the same space: training a
/// random architecture (the baseline) or retraining the architecture a search found.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Overrides applied after the space's.
    pub overrides: Vec<String>,
}

/// The optimizer name of the random-architecture baseline runs.
pub const RANDOM_BASELINE: &str = "random";

/// The `estim.search.args.arch` an augment run gets before the search has run; the real path
/// replaces it.
const ARCH_PLACEHOLDER: &str = crate::run::BEST_FILE;

/// A comparison file.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSpec {
    /// The search spaces, by name.
    pub spaces: IndexMap<String, SpaceSpec>,
    /// The optimizers, by name.
    pub optimizers: IndexMap<String, OptimSpec>,
    /// Seeds; each combination runs once per seed.
    #[config(default = vec![0])]
    pub seeds: Vec<u64>,
    /// Overrides applied to every run: the budget (`estim.search.args.epochs = 2`).
    #[serde(default)]
    pub budget: Vec<String>,
    /// When given, every space without its own `baseline` trains random architectures with
    /// these overrides, once per seed; their mean accuracy is the space's baseline.
    #[serde(default)]
    pub random_baseline: Option<StageSpec>,
    /// When given, the best architecture of every run is retrained with these overrides (its
    /// `estim.search.args.arch` is set to the run's `best.toml`).
    #[serde(default)]
    pub augment: Option<StageSpec>,
}

/// One run of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Combination {
    /// Space name.
    pub space: String,
    /// Optimizer name.
    pub optim: String,
    /// The seed of this run, one of the matrix's `seeds`.
    pub seed: u64,
    /// The resolved config.
    pub config: Config,
    /// The space's baseline accuracy (until the random baseline of the space has run, chance).
    pub baseline: f64,
    /// The config that retrains the run's best architecture (its `arch` set at run time).
    pub augment: Option<Config>,
}

impl Combination {
    /// Its run directory inside the comparison's.
    pub fn dir(&self, out: &Path) -> PathBuf {
        out.join(&self.space)
            .join(&self.optim)
            .join(format!("seed-{}", self.seed))
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl CompareSpec {
    /// Parses comparison TOML.
    pub fn from_toml(text: &str) -> Result<Self, ModnasError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| {
            ModnasError::config("<file>", crate::config::base::syntax_error(text, &e))
        })?;
        serde_path_to_error::deserialize(value)
            .map_err(|e| ModnasError::config(&e.path().to_string(), e.into_inner().message()))
    }

    /// Every combination, spaces outermost, each config parsed and its components checked, so
    /// a typo in the last one is reported before the first runs. `base` is the folder of the
    /// comparison file.
    pub fn combinations(&self, base: &Path) -> Result<Vec<Combination>, ModnasError> {
        if self.spaces.is_empty() || self.optimizers.is_empty() || self.seeds.is_empty() {
            return Err(ModnasError::config(
                "spaces",
                "a comparison needs at least one space, one optimizer and one seed",
            ));
        }
        for (kind, names) in [
            ("spaces", self.spaces.keys().collect::<Vec<_>>()),
            ("optimizers", self.optimizers.keys().collect()),
        ] {
            if let Some(bad) = names.iter().find(|n| !valid_name(n)) {
                return Err(ModnasError::config(
                    &format!("{kind}.{bad}"),
                    "a name is a directory: use letters, digits, `_` and `-`",
                ));
            }
        }
        if self.random_baseline.is_some() && self.optimizers.contains_key(RANDOM_BASELINE) {
            return Err(ModnasError::config(
                &format!("optimizers.{RANDOM_BASELINE}"),
                "this name belongs to the random baseline's runs: rename the optimizer",
            ));
        }
        let mut out = vec![];
        for (space, s) in &self.spaces {
            for (optim, o) in &self.optimizers {
                for &seed in &self.seeds {
                    let mut overrides = s.overrides.clone();
                    overrides.extend(o.overrides.iter().cloned());
                    overrides.extend(self.budget.iter().cloned());
                    let key = format!("spaces.{space} × optimizers.{optim}");
                    let config = load(base, s, &overrides, seed, &key)?;
                    let augment = match &self.augment {
                        Some(stage) => {
                            let mut more = overrides.clone();
                            more.extend(stage.overrides.iter().cloned());
                            more.push(format!("estim.search.args.arch = {ARCH_PLACEHOLDER:?}"));
                            Some(load(base, s, &more, seed, &format!("augment of {key}"))?)
                        }
                        None => None,
                    };
                    let baseline = match s.baseline {
                        Some(b) => b,
                        None => chance(&config),
                    };
                    out.push(Combination {
                        space: space.clone(),
                        optim: optim.clone(),
                        seed,
                        config,
                        baseline,
                        augment,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The random-baseline runs: one per space without its own `baseline`, per seed, with the
    /// budget and the `random_baseline` overrides. Empty without `random_baseline`.
    pub fn baseline_runs(&self, base: &Path) -> Result<Vec<Combination>, ModnasError> {
        let Some(stage) = &self.random_baseline else {
            return Ok(vec![]);
        };
        let mut out = vec![];
        for (space, s) in self.spaces.iter().filter(|(_, s)| s.baseline.is_none()) {
            for &seed in &self.seeds {
                let mut overrides = s.overrides.clone();
                overrides.extend(self.budget.iter().cloned());
                overrides.extend(stage.overrides.iter().cloned());
                let key = format!("spaces.{space} × random_baseline");
                let config = load(base, s, &overrides, seed, &key)?;
                out.push(Combination {
                    space: space.clone(),
                    optim: RANDOM_BASELINE.into(),
                    seed,
                    baseline: chance(&config),
                    config,
                    augment: None,
                });
            }
        }
        Ok(out)
    }
}

/// The space's config with `overrides` and the seed, parsed and its components checked;
/// errors are keyed by `key`.
fn load(
    base: &Path,
    space: &SpaceSpec,
    overrides: &[String],
    seed: u64,
    key: &str,
) -> Result<Config, ModnasError> {
    let mut overrides = overrides.to_vec();
    overrides.push(format!("seed = {seed}"));
    Config::from_file(base.join(&space.config), &overrides)
        .and_then(|c| c.validate().map(|()| c))
        .map_err(|e| ModnasError::config(key, e))
}

/// Chance accuracy of a config's data: 1 / classes where the data says how many (0 where it
/// does not, so efficiency counts from zero).
fn chance(cfg: &Config) -> f64 {
    let classes = match cfg.data.type_name.as_str() {
        "Digits" | "MnistCsv" | "Idx" | "Cifar10" => Some(10),
        "Synthetic" => Some(
            cfg.data
                .args
                .get("classes")
                .and_then(|v| v.as_integer())
                .unwrap_or(4),
        ),
        _ => None,
    };
    classes.map_or(0.0, |k| 1.0 / k as f64)
}
