//! A search of a registered task (`[task]` of a config): the task's model constructed with
//! `[construct.args]`, its space extended by `[space]`, the optimizer of `[optim]` and the
//! estimator of `[estim.search]` — `SubNetEstim` trains every proposal through the task,
//! `SuperNetEstim` runs a gradient optimizer over the task's batches and loss, the one-shot
//! estimators train a supernet of it, `DefaultEstim` retrains one architecture — with the
//! run directory, journal, callbacks, resume and results of any search. What would fail only
//! after training (an objective the task does not give, an estimator argument that does not
//! apply) is refused before the run directory is written.

use crate::config::validate::build_parts;
use crate::config::Component;
use crate::error::AtKey;
use crate::run::dir::prepare;
use crate::run::journal::Journal;
use crate::run::lock::DirLock;
use crate::run::paired::Paired;
use crate::run::search::{build_search_optim, random_phase_warning, write_results};
use crate::{Config, ModnasError, RunMode, SearchRun};
use modnas_estim::{build_task, RunCallback, TaskContext, TaskRun, Trial};
use std::path::Path;

/// Runs the search of `cfg`, whose `[task]` is `task`, in `dir`.
pub(crate) fn run_task_search(
    cfg: &Config,
    task: &Component,
    dir: &Path,
    mode: RunMode,
    extra: Vec<Box<dyn RunCallback>>,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<SearchRun, ModnasError> {
    cfg.validate()?;
    let device = cfg.backend.device()?.autodiff();
    let estim = build_parts(cfg)?.estim;
    let built = build_task(&task.type_name, &task.args).at("task")?;
    let run = TaskRun {
        sets: &cfg.construct.args,
        device: &device,
    };
    let mut space = built.space(run).at("construct.args")?;
    cfg.space.extend(&mut space)?;
    if space.is_empty() {
        return Err(ModnasError::config(
            "task",
            format!(
                "the search space is empty: `{}`'s model has no slots and `[space.params]` none",
                task.type_name
            ),
        ));
    }
    let mut paired = Paired::new(cfg, &space, estim, build_search_optim(cfg, &space)?)?;
    if let Some(warning) = paired.discrete().and_then(|o| random_phase_warning(cfg, o)) {
        tracing::warn!("{warning}");
    }
    // What would fail only after training is refused before the run directory is written.
    (paired.estim().check_task()).map_err(|e| estimator_error(cfg, e))?;
    let (objective, _) = cfg.objective();
    let keys = built.metric_keys(run, cfg.seed)?;
    if !keys.contains(&objective) {
        return Err(ModnasError::config(
            "estim.search.args.objective",
            format!(
                "`{objective}` is not among the metrics of `{}`: [{}]; set `objective` (and `mode`)",
                task.type_name,
                keys.join(", ")
            ),
        ));
    }
    let (_lock, replay) = DirLock::acquire_for(dir, || prepare(dir, cfg, space.size(), mode))?;
    let mut journal = Journal::open(dir, cfg, replay.len(), extra, on_trial)?;
    let pruning = crate::config::validate::build_pruning(cfg)?;
    // The same context for either role, over the optimizer of that role.
    macro_rules! context {
        ($optim:expr) => {
            TaskContext {
                task: built.as_ref(),
                run,
                optim: $optim,
                observer: &mut journal,
                replay: &replay,
                seed: cfg.seed,
                objective: &objective,
                run_dir: Some(dir),
                pruning,
            }
        };
    }
    let outcome = match &mut paired {
        Paired::Trials { estim, optim } => estim.run_task(&mut context!(optim.as_mut())),
        Paired::Supernet { estim, optim } => estim.run_task(&mut context!(optim.as_mut())),
    }
    .map_err(|e| estimator_error(cfg, e))?;
    write_results(dir, &outcome, paired.discrete())?;
    journal.finish(&outcome)?;
    tracing::info!(dir = %dir.display(), task = %task.type_name, trials = outcome.trials, stop = ?outcome.stop, "task search finished");
    Ok(SearchRun {
        dir: dir.to_path_buf(),
        outcome,
    })
}

/// An estimator's refusal of a task as a config error at `estim.search.type`.
fn estimator_error(cfg: &Config, e: modnas_estim::EstimError) -> ModnasError {
    match e {
        modnas_estim::EstimError::InvalidArgs { component, reason } if component == "estimator" => {
            ModnasError::config(
                "estim.search.type",
                format!("`{}` {reason}", cfg.estim.search.type_name),
            )
        }
        other => ModnasError::Estim(other),
    }
}
