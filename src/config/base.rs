//! The TOML configuration: components in modnas's `{type, args}` shape (paper, Figure 10).
//!
//! ```toml
//! seed = 0
//! [data]
//! type = "Digits"
//! [model]
//! type = "ConvNet"
//! [construct.args]
//! candidates = ["NC3", "NC5", "NC7"]
//! [optim]
//! type = "RandomSearchOptim"
//! [estim.search]
//! type = "SubNetEstim"
//! args = { epochs = 2, trials = 4 }
//! ```

use crate::{config::BackendConfig, ModnasError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A component: a registered type name and its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Registry id. May be left out where the table has a default type.
    #[serde(rename = "type", default)]
    pub type_name: String,
    /// Arguments, checked by the component.
    #[serde(default)]
    pub args: toml::Table,
}

impl Component {
    fn named(name: &str) -> Self {
        Self {
            type_name: name.into(),
            args: toml::Table::new(),
        }
    }
}

/// The `[construct]` table.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstructConfig {
    /// Only `DefaultConstructor` so far.
    #[serde(rename = "type")]
    #[config(default = "DefaultConstructor".to_string())]
    pub type_name: String,
    /// Candidate sets: `candidates` for every slot, `slots.<key>` per slot.
    #[serde(default)]
    pub args: modnas_construct::CandidateSets,
}

impl Default for ConstructConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The `[space]` table: a preset and/or parameter definitions, added to the space the
/// construct routine builds from the model's slots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceConfig {
    /// A predefined space: `"NB201"` (six edges over the NAS-Bench-201 operations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Parameters by name: `lr = { type = "Float", low = 1e-4, high = 0.1, log = true }`.
    #[serde(default)]
    pub params: indexmap::IndexMap<String, modnas_param_space::ParamDef>,
}

/// The space presets `[space] preset = ...` accepts.
pub const SPACE_PRESETS: [&str; 1] = ["NB201"];

impl SpaceConfig {
    /// Adds the preset's and the defined parameters to `space`.
    pub fn extend(&self, space: &mut modnas_param_space::ParamSpace) -> Result<(), ModnasError> {
        match self.preset.as_deref() {
            None => {}
            Some("NB201") => {
                modnas_estim::tabular::add_nb201_edges(space)
                    .map_err(|e| ModnasError::config("space.preset", e))?;
            }
            Some(other) => {
                return Err(ModnasError::config(
                    "space.preset",
                    format!(
                        "unknown preset `{other}`; known: [{}]",
                        SPACE_PRESETS.join(", ")
                    ),
                ))
            }
        }
        for (name, def) in &self.params {
            def.insert_into(space, name)
                .map_err(|e| ModnasError::config(&format!("space.params.{name}"), e))?;
        }
        Ok(())
    }
}

/// The `[estim]` table.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimConfig {
    /// The search estimator.
    #[config(default = Component::named("SubNetEstim"))]
    pub search: Component,
}

impl Default for EstimConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The sections a `[task]` replaces.
const TASK_REPLACES: [&str; 4] = ["model", "data", "trainer", "metrics"];

/// A whole search configuration. Every table has a default except `model`.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Seed of data split, weights, batches and optimizer.
    #[serde(default)]
    pub seed: u64,
    /// Data source (the embedded `Digits` when left out).
    #[config(default = Component::named("Digits"))]
    pub data: Component,
    /// The model (backbone with slots). Optional for estimators that build no network
    /// (`TabularEstim`), whose space comes from `[space]`.
    #[serde(default)]
    pub model: Option<Component>,
    /// A registered task of the user's own (`register_task!`): its model, data, training
    /// and metrics in one, instead of `model`, `data`, `trainer` and `metrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Component>,
    /// Extra parameters, or the whole space when there is no model.
    #[serde(default)]
    pub space: SpaceConfig,
    /// Candidate sets of the slots.
    #[serde(default)]
    pub construct: ConstructConfig,
    /// The search algorithm.
    #[config(default = Component::named("RandomSearchOptim"))]
    pub optim: Component,
    /// Estimators.
    #[serde(default)]
    pub estim: EstimConfig,
    /// The trainer.
    #[config(default = Component::named("ImageClsTrainer"))]
    pub trainer: Component,
    /// Metrics recorded with each trial: registry names, or `{ type, args }` tables for
    /// metrics with arguments.
    #[config(default = vec![
        MetricSpec::Name("ParamCountMetric".into()),
        MetricSpec::Name("FlopsMetric".into()),
    ])]
    pub metrics: Vec<MetricSpec>,
    /// Device.
    #[serde(default)]
    pub backend: BackendConfig,
    /// Trial storage of a distributed run: `"sqlite"` (a `trials.db` in the run directory),
    /// `sqlite://PATH` or a path, or `postgres://USER@HOST/DB`. Unset: the search evaluates
    /// every trial itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Callbacks of the run's events (`[[callbacks]] type = "…", args = {…}`): registered with
    /// `register_callback!`, called in this order. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<Component>,
    /// Early stopping of trials by their learning curves (`[pruner] type = "…", args =
    /// {…}`: `MedianPruner`, `PercentilePruner`, `PatiencePruner`,
    /// `SuccessiveHalvingPruner`, `HyperbandPruner` or a registered one), for estimators whose
    /// trials train epoch by epoch (`SubNetEstim`). Default: none, every trial trains all its
    /// epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruner: Option<Component>,
    /// How a distributed run hands trials to workers (with `storage`).
    #[serde(
        default,
        skip_serializing_if = "crate::distributed::WorkersConfig::is_default"
    )]
    pub workers: crate::distributed::WorkersConfig,
}

/// An entry of `metrics`: a registry name, or a `{ type, args }` table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MetricSpec {
    /// A metric without arguments.
    Name(String),
    /// A metric with arguments.
    Component(Component),
}

impl MetricSpec {
    /// The registry name.
    pub fn name(&self) -> &str {
        match self {
            MetricSpec::Name(n) => n,
            MetricSpec::Component(c) => &c.type_name,
        }
    }

    /// The arguments (empty for a bare name).
    pub fn args(&self) -> toml::Table {
        match self {
            MetricSpec::Name(_) => toml::Table::new(),
            MetricSpec::Component(c) => c.args.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for MetricSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        // A string or a table; the table is checked as a component, so its errors name the key.
        match toml::Value::deserialize(d)? {
            toml::Value::String(name) => Ok(MetricSpec::Name(name)),
            table @ toml::Value::Table(_) => Component::deserialize(table)
                .map(MetricSpec::Component)
                .map_err(|e| D::Error::custom(e.message())),
            other => Err(D::Error::custom(format!(
                "a metric is a name or a `{{ type, args }}` table, not {other}"
            ))),
        }
    }
}

/// A TOML syntax error with its line and column.
pub(crate) fn syntax_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// Sets `key` (dotted path) to `value` (a TOML value, or a bare string) in `doc`.
fn apply_override(doc: &mut toml::Table, spec: &str) -> Result<(), ModnasError> {
    let (key, raw) = spec
        .split_once('=')
        .ok_or_else(|| ModnasError::config(spec, "an override must look like `key.path=value`"))?;
    let key = key.trim();
    let value = toml::from_str::<toml::Table>(&format!("v = {}", raw.trim()))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    let parts = key_path(key)?;
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ModnasError::config(key, "empty segment in override key"));
    }
    let mut table = doc;
    for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry.as_table_mut().ok_or_else(|| {
            ModnasError::config(
                &parts[..=i].join("."),
                "is not a table, cannot set a key inside it",
            )
        })?;
    }
    table.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// The segments of a dotted key as TOML reads it: `slots."blocks.0"` is `slots`, `blocks.0`
/// (a quoted segment, in double or single quotes, may hold dots).
fn key_path(key: &str) -> Result<Vec<String>, ModnasError> {
    let (mut parts, mut part, mut quote) = (vec![], String::new(), None);
    for c in key.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => part.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => parts.push(std::mem::take(&mut part)),
            (None, c) => part.push(c),
        }
    }
    if quote.is_some() {
        return Err(ModnasError::config(
            key,
            "unterminated quote in override key",
        ));
    }
    parts.push(part);
    Ok(parts.into_iter().map(|p| p.trim().to_string()).collect())
}

impl Config {
    /// Parses TOML text, applies `overrides` (`key.path=value`) and checks every key.
    pub fn from_toml(text: &str, overrides: &[String]) -> Result<Self, ModnasError> {
        let mut doc: toml::Table = toml::from_str(text)
            .map_err(|e| ModnasError::config("<file>", syntax_error(text, &e)))?;
        for o in overrides {
            apply_override(&mut doc, o)?;
        }
        if doc.contains_key("task") {
            if let Some(key) = TASK_REPLACES.iter().find(|k| doc.contains_key(**k)) {
                return Err(ModnasError::config(
                    key,
                    "does not apply with `[task]`: the task brings its own model, data, training and metrics",
                ));
            }
        }
        let mut cfg: Config =
            serde_path_to_error::deserialize(toml::Value::Table(doc)).map_err(|e| {
                let path = e.path().to_string();
                let key = if path == "." {
                    "<root>".to_string()
                } else {
                    path
                };
                ModnasError::config(&key, e.into_inner().message())
            })?;
        cfg.fill_default_types()?;
        Ok(cfg)
    }

    /// A table given without `type` takes its section's default type; `model` has none.
    fn fill_default_types(&mut self) -> Result<(), ModnasError> {
        if self.task.as_ref().is_some_and(|t| t.type_name.is_empty()) {
            return Err(ModnasError::config(
                "task.type",
                format!(
                    "missing; known tasks: [{}]",
                    modnas_estim::task_names().join(", ")
                ),
            ));
        }
        if self.model.as_ref().is_some_and(|m| m.type_name.is_empty()) {
            return Err(ModnasError::config(
                "model.type",
                format!(
                    "missing; known models: [{}]",
                    modnas_construct::model_names().join(", ")
                ),
            ));
        }
        let defaults = Config::new();
        for (component, default) in [
            (&mut self.data, defaults.data),
            (&mut self.optim, defaults.optim),
            (&mut self.trainer, defaults.trainer),
            (&mut self.estim.search, defaults.estim.search),
        ] {
            if component.type_name.is_empty() {
                component.type_name = default.type_name;
            }
        }
        Ok(())
    }

    /// Reads and parses a config file.
    pub fn from_file(path: impl AsRef<Path>, overrides: &[String]) -> Result<Self, ModnasError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
        Self::from_toml(&text, overrides).map_err(|e| match e {
            ModnasError::Config { key, message } if key == "<file>" => ModnasError::Config {
                key: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// The search's objective: the estimator's `objective` (default `acc`) and whether it is
    /// maximised (`mode`, default `max`).
    pub fn objective(&self) -> (String, bool) {
        let args = &self.estim.search.args;
        let key = args
            .get("objective")
            .and_then(|v| v.as_str())
            .unwrap_or("acc");
        let max = args.get("mode").and_then(|v| v.as_str()) != Some("min");
        (key.to_string(), max)
    }

    /// What the journal records one of for this search — `"epochs"` for `SuperNetEstim` and a
    /// `FunctionalSuperNet` run, which record a trial per epoch, else `"trials"` — and how many the config asks for
    /// (`estim.search.args.<unit>`), when it sets a positive number.
    pub fn search_budget(&self) -> (&'static str, Option<usize>) {
        let supernet = ["SuperNetEstim", crate::run::FUNCTIONAL_SUPERNET];
        let unit = if supernet.contains(&self.estim.search.type_name.as_str()) {
            "epochs"
        } else {
            "trials"
        };
        let total = self
            .estim
            .search
            .args
            .get(unit)
            .and_then(|v| v.as_integer())
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0);
        (unit, total)
    }

    /// The config as TOML (after overrides and defaults). With a task, the sections it
    /// replaces are left out, so the text reads back.
    pub fn to_toml(&self) -> String {
        let mut table = toml::Table::try_from(self).expect("a parsed config serializes");
        if self.task.is_some() {
            TASK_REPLACES.iter().for_each(|k| drop(table.remove(*k)));
        }
        toml::to_string(&table).expect("a parsed config serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_key_may_quote_a_segment_with_dots() {
        let text = "[model]\ntype = \"ConvNet\"";
        let o = ["construct.args.slots.\"convs.1\"=[\"NC5\"]".to_string()];
        let c = Config::from_toml(text, &o).unwrap();
        assert_eq!(c.construct.args.slots["convs.1"], ["NC5"]);
        let bad = ["construct.args.slots.\"convs.1=[\"NC5\"]".to_string()];
        let e = Config::from_toml(text, &bad).unwrap_err().to_string();
        assert!(e.contains("unterminated quote"), "{e}");
    }

    #[test]
    fn defaults_fill_everything_but_the_model() {
        let c = Config::from_toml("[model]\ntype = \"ConvNet\"", &[]).unwrap();
        assert_eq!(c.model.as_ref().unwrap().type_name, "ConvNet");
        assert_eq!(c.data.type_name, "Digits");
        assert_eq!(c.optim.type_name, "RandomSearchOptim");
        assert_eq!(c.estim.search.type_name, "SubNetEstim");
        assert_eq!(c.backend.device, "cpu");
        let again = Config::from_toml(&c.to_toml(), &[]).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn the_budget_counts_epochs_for_a_supernet_and_trials_otherwise() {
        let parse = |search: &str| {
            let text = format!("[model]\ntype = \"ConvNet\"\n[estim.search]\n{search}");
            Config::from_toml(&text, &[]).unwrap().search_budget()
        };
        assert_eq!(
            parse("type = \"SubNetEstim\"\nargs = { trials = 6, epochs = 2 }"),
            ("trials", Some(6))
        );
        assert_eq!(
            parse("type = \"SuperNetEstim\"\nargs = { epochs = 2 }"),
            ("epochs", Some(2))
        );
        assert_eq!(parse("type = \"SubNetEstim\""), ("trials", None));
    }

    #[test]
    fn overrides_set_nested_keys_with_types() {
        let c = Config::from_toml(
            "[model]\ntype = \"ConvNet\"\n[estim.search]\ntype = \"SubNetEstim\"",
            &[
                "estim.search.args.epochs=3".into(),
                "seed=7".into(),
                "optim.type=GridSearchOptim".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.seed, 7);
        assert_eq!(c.optim.type_name, "GridSearchOptim");
        assert_eq!(c.estim.search.args["epochs"].as_integer(), Some(3));
    }
}
