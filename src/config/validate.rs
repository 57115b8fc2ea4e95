//! Checking a config without running it: every component it names is built from its
//! arguments (the data set is not read), so a pipeline finds a typo in its last process before
//! its first one runs for hours.

use crate::error::AtKey;
use crate::{Config, ModnasError};
use modnas_core::lookup;
use modnas_estim::{build_estim, build_trainer, Estimator, TrialEstim, TrialTrainer};
use modnas_metrics::{build_metric, ArchMetric};
use modnas_optim::OptimError;

/// The parts of a run that the config alone determines.
pub(crate) struct Parts {
    pub trainer: Box<dyn TrialTrainer>,
    pub metrics: Vec<Box<dyn ArchMetric>>,
    pub estim: Estimator,
}

/// Builds the constructor check, trainer, metrics and estimator of `cfg`.
pub(crate) fn build_parts(cfg: &Config) -> Result<Parts, ModnasError> {
    if cfg.construct.type_name != "DefaultConstructor" {
        return Err(ModnasError::config(
            "construct.type",
            format!(
                "unknown constructor `{}`; known: [DefaultConstructor]",
                cfg.construct.type_name
            ),
        ));
    }
    lookup::<modnas_estim::TrainerEntry>(&cfg.trainer.type_name).at("trainer.type")?;
    // Distillation criteria load their teacher runs through the facade.
    modnas_estim::criterion::set_teacher_loader(|dir, device| {
        crate::load_trained(dir, device).map_err(|e| e.to_string())
    });
    let trainer = build_trainer(&cfg.trainer.type_name, &cfg.trainer.args).at("trainer.args")?;
    let metrics = cfg
        .metrics
        .iter()
        .map(|m| build_metric(m.name(), &m.args()))
        .collect::<Result<Vec<_>, _>>()
        .at("metrics")?;
    let estim =
        build_estim(&cfg.estim.search.type_name, &cfg.estim.search.args).at("estim.search")?;
    // Built here to refuse a bad one before the run starts; the journal builds its own.
    build_callbacks(cfg)?;
    let reports_epochs = (estim.trials())
        .is_some_and(|e| e.fidelities().contains(&modnas_optim::FidelityKind::Epochs));
    if build_pruning(cfg)?.is_some() && !reports_epochs {
        return Err(ModnasError::config(
            "pruner",
            format!(
                "`{}` does not train trials epoch by epoch, so nothing can be pruned; a pruner \
                 works with SubNetEstim (or an estimator whose trials report epochs)",
                cfg.estim.search.type_name
            ),
        ));
    }
    Ok(Parts {
        trainer,
        metrics,
        estim,
    })
}

/// The config's `[[callbacks]]`, built in order; an unknown one lists the known ones.
pub(crate) fn build_callbacks(
    cfg: &Config,
) -> Result<Vec<Box<dyn modnas_estim::RunCallback>>, ModnasError> {
    cfg.callbacks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            modnas_estim::build_callback(&c.type_name, &c.args).at(&format!("callbacks[{i}]"))
        })
        .collect()
}

/// The config's `[pruner]` with empty learning curves; an unknown one lists the known ones.
pub(crate) fn build_pruning(cfg: &Config) -> Result<Option<modnas_estim::Pruning>, ModnasError> {
    Ok(build_pruner(cfg)?.map(modnas_estim::Pruning::new))
}

/// The config's `[pruner]`, built; an unknown one lists the known ones.
pub(crate) fn build_pruner(
    cfg: &Config,
) -> Result<Option<Box<dyn modnas_estim::Pruner>>, ModnasError> {
    cfg.pruner
        .as_ref()
        .map(|p| modnas_estim::build_pruner(&p.type_name, &p.args).at("pruner"))
        .transpose()
}

/// For a distributed run (one with `storage`): the `[workers]` values, and that the search
/// estimator can hand trials to workers.
pub(crate) fn check_distributed(
    cfg: &Config,
    estim: Option<&dyn TrialEstim>,
) -> Result<(), ModnasError> {
    if cfg.storage.is_none() {
        return Ok(());
    }
    if cfg.task.is_some() {
        return Err(ModnasError::config(
            "storage",
            "a `[task]` is searched in one process; distributed runs serve `[model]` searches",
        ));
    }
    cfg.workers.check()?;
    require_distributable(cfg, estim, "storage")
}

/// That the search estimator (`None`: a supernet estimator) can hand trials to workers; the
/// error names `key`.
pub(crate) fn require_distributable(
    cfg: &Config,
    estim: Option<&dyn TrialEstim>,
    key: &str,
) -> Result<(), ModnasError> {
    if estim.is_some_and(|e| e.distributable()) {
        return Ok(());
    }
    Err(ModnasError::config(
        key,
        format!(
            "`{}` cannot hand trials to workers; distributed runs need SubNetEstim or TabularEstim (or an estimator that implements `TrialEstim::evaluate_trial`)",
            cfg.estim.search.type_name
        ),
    ))
}

impl Config {
    /// Checks the device, the names of every component, the arguments of those that need
    /// no data or search space to be built (trainer, metrics, estimator), and for a distributed
    /// run the `[workers]` table and whether the estimator can hand out trials. The optimizer's
    /// arguments are parsed and range-checked too (against an empty space: whether they fit
    /// the space is not known yet), and its kind against the estimator's role (a discrete
    /// optimizer for a trial estimator, a gradient one for a supernet estimator). What depends
    /// on the data (the model's shapes, the space) is checked when the run starts, before its
    /// directory is written.
    pub fn validate(&self) -> Result<(), ModnasError> {
        self.backend.device()?;
        let parts = build_parts(self)?;
        check_distributed(self, parts.estim.trials())?;
        lookup::<modnas_optim::OptimEntry>(&self.optim.type_name).at("optim.type")?;
        check_optim_args(&self.optim.type_name, &self.optim.args)?;
        // The estimator and an optimizer of another role are refused here already.
        let gradient =
            modnas_optim::optim_names_of_kind(true).contains(&self.optim.type_name.as_str());
        crate::run::paired::check_roles(self, &parts.estim, gradient)?;
        if let Some(model) = &self.model {
            lookup::<modnas_construct::ModelEntry>(&model.type_name).at("model.type")?;
        }
        if let Some(task) = &self.task {
            lookup::<modnas_estim::TaskEntry>(&task.type_name).at("task.type")?;
            modnas_estim::build_task(&task.type_name, &task.args).at("task.args")?;
        }
        let data = &self.data.type_name;
        let known = modnas_estim::data::data_names();
        if !known.contains(&data.as_str()) {
            return Err(ModnasError::config(
                "data.type",
                format!(
                    "unknown data source `{data}`; known: [{}]",
                    known.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// The arguments of the optimizer `name`, parsed and range-checked by building it over an
/// empty space; only an [`OptimError::InvalidArgs`] counts, since an empty space is no space
/// a search runs over.
fn check_optim_args(name: &str, args: &toml::Table) -> Result<(), ModnasError> {
    let empty = modnas_param_space::ParamSpace::new();
    match modnas_optim::build_search_optim(name, &empty, args, 0) {
        Err(e @ OptimError::InvalidArgs { .. }) => Err(ModnasError::config("optim.args", e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No optimizer refuses its defaults for want of a space: the check refuses only what
    /// the arguments themselves lack.
    #[test]
    fn every_optimizer_takes_its_default_args_over_an_empty_space() {
        for name in modnas_optim::optim_names() {
            if let Err(e) = check_optim_args(name, &toml::Table::new()) {
                assert!(e.to_string().contains("missing field"), "{name}: {e}");
            }
        }
    }

    #[test]
    fn optimizer_arguments_are_checked_without_a_space() {
        let config = |optim: &str| {
            let text =
                format!("[optim]\ntype = \"RegularizedEvolutionOptim\"\nargs = {{ {optim} }}");
            Config::from_toml(&text, &[]).unwrap().validate()
        };
        let unknown = config("population = 8, tournament = 2")
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("optim.args") && unknown.contains("tournament"),
            "{unknown}"
        );
        let range = config("population = 1").unwrap_err().to_string();
        assert!(
            range.contains("optim.args") && range.contains("population"),
            "{range}"
        );
        config("population = 8, sample_size = 2").unwrap();
    }
}
