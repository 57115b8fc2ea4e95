//! A search run from a [`Config`]: build the components, run the estimator, and keep every
//! result in a run directory (`run.toml`, `config.toml`, `trials.jsonl`, `best.toml`, and for
//! supernet searches `alphas.jsonl`); see [`crate::run_dir`] for resuming.

use crate::distributed::Coordinator;
use crate::error::AtKey;
use crate::run::dir::{prepare, unprepare_new, write_atomic, CONFIG_FILE, JOURNAL_FILE};
use crate::run::journal::Journal;
use crate::run::lock::DirLock;
use crate::run::paired::Paired;
use crate::run::setup::SearchSetup;
use crate::{Config, ModnasError, RunMode};
use modnas_core::MetricMap;
use modnas_estim::{EstimError, RunCallback, SearchContext, SearchOutcome, Trial, TrialDispatch};
use modnas_optim::{build_search_optim as build_registered, ArchOptim, Direction, SearchOptim};
use std::path::{Path, PathBuf};

/// The result of [`run_search`].
#[derive(Debug)]
pub struct SearchRun {
    /// The run directory.
    pub dir: PathBuf,
    /// The best trial, how many trials ran and failed, and why the search stopped.
    pub outcome: SearchOutcome,
}

/// The best trial as TOML: `index`, `[arch]`, `[metrics]`.
pub fn best_toml(best: &Trial) -> String {
    let mut t = toml::Table::new();
    t.insert("index".into(), (best.index as i64).into());
    t.insert(
        "arch".into(),
        toml::Value::try_from(&best.arch).expect("an arch is a TOML table"),
    );
    let metrics: toml::Table = best
        .metrics
        .iter()
        .map(|(k, v)| (k.clone(), (*v).into()))
        .collect();
    t.insert("metrics".into(), metrics.into());
    toml::to_string(&t).expect("a table serializes")
}

/// Builds the optimizer. One that learns from a metric and is left on its default one learns
/// the estimator's objective (`estim.search.args.objective` and `mode`), so tuning a loss
/// needs the metric named once.
pub(crate) fn build_search_optim(
    cfg: &Config,
    space: &modnas_param_space::ParamSpace,
) -> Result<SearchOptim, ModnasError> {
    let (name, args) = (&cfg.optim.type_name, &cfg.optim.args);
    let mut optim = build_registered(name, space, args, cfg.seed).at("optim")?;
    let (key, max) = cfg.objective();
    let Some(score) = optim.discrete().and_then(|o| o.score()).cloned() else {
        return Ok(optim);
    };
    let same = score.metric == key && (score.direction == Direction::Max) == max;
    if same {
        return Ok(optim);
    }
    if args.contains_key("metric") || args.contains_key("mode") {
        tracing::warn!(optim = %name, metric = %score.metric, objective = %key, "the optimizer learns another metric than the estimator's objective");
        return Ok(optim);
    }
    let mut args = args.clone();
    args.insert("metric".into(), key.into());
    args.insert("mode".into(), if max { "max" } else { "min" }.into());
    build_registered(name, space, &args, cfg.seed).at("optim")
}

/// The warning for a trial budget (`estim.search.args.trials`) that ends within the
/// optimizer's random proposals, which makes the search random search.
pub(crate) fn random_phase_warning(cfg: &Config, optim: &dyn ArchOptim) -> Option<String> {
    let random = optim.random_proposals();
    let trials = cfg.estim.search.args.get("trials")?.as_integer()?;
    (random > 0 && trials <= random as i64).then(|| {
        format!(
            "`{}` proposes its first {random} architectures at random and the budget is {trials} trials (`estim.search.args.trials`): this search is random search; lower the optimizer's population or init_samples, or raise the budget",
            cfg.optim.type_name
        )
    })
}

/// One nested run (an `HPTuneEstim` trial): `config` with `overrides`, in `dir` (replaced if
/// an interrupted trial left a run there). A config the overrides break is an error of the
/// whole tuning run; a nested run that fails, or whose trials all fail, fails this trial.
fn run_nested(config: &Path, overrides: &[String], dir: &Path) -> Result<MetricMap, EstimError> {
    let fatal = |e: ModnasError| EstimError::InvalidArgs {
        component: "HPTuneEstim".into(),
        reason: format!(
            "nested config {} with [{}]: {e}",
            config.display(),
            overrides.join(", ")
        ),
    };
    let cfg = Config::from_file(config, overrides).map_err(fatal)?;
    match run_search(&cfg, dir, RunMode::Overwrite, &mut |_| {}) {
        Ok(run) => match run.outcome.best {
            Some(best) => Ok(best.metrics),
            None => Err(EstimError::TrialFailed(format!(
                "no trial of the nested run in {} succeeded ({} failed)",
                dir.display(),
                run.outcome.failed
            ))),
        },
        Err(e) if e.is_input_error() => Err(fatal(e)),
        Err(e) => Err(EstimError::TrialFailed(format!(
            "nested run in {}: {e}",
            dir.display()
        ))),
    }
}

/// Continues the run in `dir` with its own config (`config.toml`) and `overrides`, which may
/// change only [`RESUME_MAY_CHANGE`](crate::run::RESUME_MAY_CHANGE) (to extend the budget, say).
pub fn resume_search(
    dir: &Path,
    overrides: &[String],
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<SearchRun, ModnasError> {
    let cfg = Config::from_file(dir.join(CONFIG_FILE), overrides)?;
    run_search(&cfg, dir, RunMode::Resume, on_trial)
}

/// Runs the search `cfg` describes in `dir`, which `mode` treats as new (created if needed;
/// refused if it already holds a run), to overwrite or to resume; `on_trial` sees every trial
/// after it is recorded. A resumed run replays the journal's trials into the optimizer (they are neither
/// evaluated nor recorded again; `on_trial` sees only new ones) and goes on from there.
pub fn run_search(
    cfg: &Config,
    dir: &Path,
    mode: RunMode,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<SearchRun, ModnasError> {
    run_search_inner(cfg, dir, mode, vec![], on_trial)
}

/// [`run_search`] whose events also go to `subscriber`, after the run's journals and the
/// config's callbacks: every event, live, as the config's callbacks get them (a progress
/// display that shows each trial's epochs as they are reported, say).
pub fn run_search_with(
    cfg: &Config,
    dir: &Path,
    mode: RunMode,
    subscriber: Box<dyn RunCallback>,
) -> Result<SearchRun, ModnasError> {
    run_search_inner(cfg, dir, mode, vec![subscriber], &mut |_| {})
}

fn run_search_inner(
    cfg: &Config,
    dir: &Path,
    mode: RunMode,
    extra: Vec<Box<dyn RunCallback>>,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<SearchRun, ModnasError> {
    if let Some(task) = &cfg.task {
        return crate::run::task_search::run_task_search(cfg, task, dir, mode, extra, on_trial);
    }
    let (setup, estim) = SearchSetup::new(cfg)?;
    let space = &setup.space;
    let mut paired = Paired::new(cfg, space, estim, build_search_optim(cfg, space)?)?;
    if let Some(warning) = paired.discrete().and_then(|o| random_phase_warning(cfg, o)) {
        tracing::warn!("{warning}");
    }
    if mode == RunMode::Resume && !paired.estim().resumable() {
        return Err(ModnasError::RunDir {
            path: dir.display().to_string(),
            reason: format!(
                "cannot be resumed: `{}` does not resume yet (every built-in estimator resumes; a registered one says so through `Estim::resumable`)",
                cfg.estim.search.type_name
            ),
        });
    }
    crate::config::validate::check_distributed(cfg, paired.trials())?;
    paired.estim().check(space)?;
    let (_lock, replay, mut coordinator) = open_run(cfg, dir, space.size(), mode)?;
    if !replay.is_empty() {
        tracing::info!(
            trials = replay.len(),
            "resuming: replaying the recorded trials"
        );
    }
    let mut journal = Journal::open(dir, cfg, replay.len(), extra, on_trial)?;
    let builder = |arch: &_| setup.build_net(arch);
    let pruning = crate::config::validate::build_pruning(cfg)?;
    let dispatch = coordinator
        .as_mut()
        .map(|c| &mut c.dispatch as &mut dyn TrialDispatch);
    let outcome = match &mut paired {
        Paired::Trials { estim, optim } => {
            let ctx = setup.context(&builder, optim.as_mut(), &mut journal);
            estim.run(&mut in_run(ctx, &replay, dir, dispatch, pruning))?
        }
        Paired::Supernet { estim, optim } => {
            let ctx = setup.context(&builder, optim.as_mut(), &mut journal);
            estim.run(&mut in_run(ctx, &replay, dir, dispatch, pruning))?
        }
    };
    if let Some(c) = coordinator {
        c.finish()?;
    }
    write_results(dir, &outcome, paired.discrete())?;
    journal.finish(&outcome)?;
    tracing::info!(dir = %dir.display(), trials = outcome.trials, stop = ?outcome.stop, "search finished");
    Ok(SearchRun {
        dir: dir.to_path_buf(),
        outcome,
    })
}

/// `ctx` as a run in `dir` sees it: the trials to replay, the run directory, nested configs,
/// the workers' dispatch and the pruner.
fn in_run<'a, O: ?Sized>(
    ctx: SearchContext<'a, O>,
    replay: &'a [Trial],
    dir: &'a Path,
    dispatch: Option<&'a mut dyn TrialDispatch>,
    pruning: Option<modnas_estim::Pruning>,
) -> SearchContext<'a, O> {
    SearchContext {
        replay,
        run_dir: Some(dir),
        run_config: Some(&run_nested),
        dispatch,
        pruning,
        ..ctx
    }
}

/// Takes `dir` for this process (refused while another one writes it), makes it ready for a run
/// in `mode` and starts the coordinator of a distributed run; returns the lock to hold while the
/// run goes on, the trials to replay and the coordinator. A refused new run leaves nothing.
fn open_run(
    cfg: &Config,
    dir: &Path,
    space_size: Option<u128>,
    mode: RunMode,
) -> Result<(DirLock, Vec<Trial>, Option<Coordinator>), ModnasError> {
    let (lock, journal_replay) = DirLock::acquire_for(dir, || prepare(dir, cfg, space_size, mode))?;
    let coordinator = match Coordinator::start(cfg, dir, mode) {
        Ok(c) => c,
        Err(e) => {
            if mode == RunMode::New {
                unprepare_new(dir);
                lock.abandon();
            }
            return Err(e);
        }
    };
    let replay = match &coordinator {
        // The database is the record of a distributed run; the journal is rebuilt from it.
        Some(c) => {
            rewrite_journal(dir, &c.replay)?;
            c.replay.clone()
        }
        None => journal_replay,
    };
    Ok((lock, replay, coordinator))
}

/// Writes `trials` as the journal of `dir`, replacing it.
fn rewrite_journal(dir: &Path, trials: &[Trial]) -> Result<(), ModnasError> {
    let lines: String = trials
        .iter()
        .map(|t| serde_json::to_string(t).map(|l| l + "\n"))
        .collect::<Result<_, _>>()
        .map_err(|e| ModnasError::Estim(EstimError::Record(e.to_string())))?;
    write_atomic(&dir.join(JOURNAL_FILE), &lines)
}

/// The results a finished search leaves beside its journal: `best.toml`, and the Pareto front
/// of a multi-objective optimizer as JSON lines and CSV.
pub(crate) fn write_results(
    dir: &Path,
    outcome: &SearchOutcome,
    optim: Option<&mut dyn ArchOptim>,
) -> Result<(), ModnasError> {
    if let Some(best) = &outcome.best {
        write_atomic(&dir.join(crate::run::BEST_FILE), &best_toml(best))?;
    }
    if let Some(front) = optim.and_then(|o| o.pareto_front()) {
        let lines: Vec<String> = front
            .iter()
            .map(|(arch, metrics)| {
                serde_json::json!({ "arch": arch, "metrics": metrics }).to_string()
            })
            .collect();
        write_atomic(
            &dir.join(crate::run::PARETO_FILE),
            &(lines.join("\n") + "\n"),
        )?;
        write_atomic(
            &dir.join(crate::run::PARETO_CSV),
            &crate::viz::pareto_csv(&front),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(optim_args: &str, trials: usize) -> Option<String> {
        let text = format!(
            "[optim]\ntype = \"RegularizedEvolutionOptim\"\nargs = {{ {optim_args} }}\n[estim.search]\ntype = \"SubNetEstim\"\nargs = {{ trials = {trials} }}\n[space.params]\nx = {{ type = \"Categorical\", choices = [1, 2, 3] }}"
        );
        let cfg = Config::from_toml(&text, &[]).unwrap();
        let mut space = modnas_param_space::ParamSpace::new();
        cfg.space.extend(&mut space).unwrap();
        let mut optim = build_search_optim(&cfg, &space).unwrap();
        random_phase_warning(&cfg, optim.discrete().unwrap())
    }

    #[test]
    fn a_budget_within_the_random_phase_is_warned_about() {
        let w = warning("", 12).expect("the default population, 20, > 12 trials");
        assert!(
            w.contains("first 20 architectures at random") && w.contains("12 trials"),
            "{w}"
        );
        assert!(warning("population = 4, sample_size = 2", 12).is_none());
    }
}
