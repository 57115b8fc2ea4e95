//! `HPTuneEstim`: hyper-parameter tuning (paper, §3.5). The space holds the hyper-parameters
//! (`[space.params]`), any discrete optimizer proposes values, and each trial is either an
//! external command or a nested modnas run:
//!
//! ```toml
//! [space.params]
//! "trainer.args.lr" = { type = "Float", low = 0.001, high = 0.1, log = true }
//! [estim.search]
//! type = "HPTuneEstim"
//! # a nested run of this config, the values set as overrides of its keys:
//! args = { config = "examples/configs/quickstart.toml", trials = 8 }
//! # or an external command whose last stdout line is a JSON object of metrics:
//! # args = { command = ["python3", "train.py", "--lr", "{trainer.args.lr}"], timeout = 600 }
//! ```
//!
//! Trials go through the search routine, so they are journaled, resumed and counted as
//! failed (a command that exits with an error or times out) like any others. In a run
//! directory each trial works in `hptune/trial-<index>/`.

use super::command_trial::{placeholders, run_command_trial, COMMAND_PLACEHOLDERS};
use super::{search_loop_reporting, Estim, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The directory of the trials' working directories inside a run directory.
pub const HPTUNE_DIR: &str = "hptune";

/// Arguments of [`HPTuneEstim`], besides the [`SearchArgs`] (`trials` defaults to 20).
/// Exactly one of `command` and `config` is given.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HPTuneArgs {
    /// An external command: program and arguments, where `{name}` is the trial's value of
    /// parameter `name`, `{trial}` its index and `{dir}` its working directory.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// A modnas config run as a nested run per trial; each parameter name is a dotted key of
    /// that config (`trainer.args.lr`) and the trial's value overrides it. The trial's
    /// metrics are those of the nested run's best trial.
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// Seconds a command may run before it is killed and its trial recorded as failed.
    /// Default: no limit. (A nested run's budget is its own `max_seconds`.)
    #[serde(default)]
    pub timeout: Option<f64>,
}

/// What one trial runs.
#[derive(Clone, Debug, PartialEq)]
enum TrialRun {
    Command {
        argv: Vec<String>,
        timeout: Option<Duration>,
    },
    Config(PathBuf),
}

/// Tunes hyper-parameters by running a command or a nested config per trial.
pub struct HPTuneEstim {
    search: SearchArgs,
    run: TrialRun,
}

fn invalid(reason: impl Into<String>) -> EstimError {
    EstimError::InvalidArgs {
        component: "HPTuneEstim".into(),
        reason: reason.into(),
    }
}

impl HPTuneEstim {
    /// An estimator from its arguments; errors name the key at fault.
    pub fn new(args: HPTuneArgs, search: SearchArgs) -> Result<Self, EstimError> {
        let run = match (args.command, args.config) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "give either `command` or `config`, not both",
                ))
            }
            (None, None) => {
                return Err(invalid(
                    "missing `command` (an external program per trial) or `config` (a nested modnas run per trial)",
                ))
            }
            (Some(argv), None) if argv.is_empty() => {
                return Err(invalid("`command` is empty: give the program and its arguments"))
            }
            (Some(argv), None) => {
                let timeout = match args.timeout {
                    None => None,
                    Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
                    Some(t) => {
                        return Err(invalid(format!(
                            "`timeout` = {t}: must be a positive number of seconds"
                        )))
                    }
                };
                TrialRun::Command { argv, timeout }
            }
            (None, Some(_)) if args.timeout.is_some() => {
                return Err(invalid(
                    "`timeout` applies to `command` trials; a nested run's budget is its own `estim.search.args.max_seconds`",
                ))
            }
            (None, Some(config)) => TrialRun::Config(config),
        };
        Ok(Self { search, run })
    }

    /// Every placeholder must name a parameter: a typo would otherwise reach the command as
    /// literal text in every trial.
    fn check_placeholders(&self, space: &ParamSpace) -> Result<(), EstimError> {
        let TrialRun::Command { argv, .. } = &self.run else {
            return Ok(());
        };
        for arg in argv {
            for name in placeholders(arg) {
                if !COMMAND_PLACEHOLDERS.contains(&name) && space.get(name).is_none() {
                    let mut known: Vec<&str> = space.iter().map(|p| p.name()).collect();
                    known.extend(COMMAND_PLACEHOLDERS);
                    return Err(invalid(format!(
                        "`command` argument `{arg}` uses `{{{name}}}`, which is no parameter; known: [{}]",
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    fn evaluate(
        &self,
        ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        index: usize,
        reporter: &mut crate::TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError> {
        let dir = ctx
            .run_dir
            .map(|d| d.join(HPTUNE_DIR).join(format!("trial-{index:04}")));
        match &self.run {
            TrialRun::Command { argv, timeout } => {
                run_command_trial(argv, arch, (index, dir.as_deref()), *timeout, reporter)
            }
            TrialRun::Config(config) => {
                let runner = ctx.run_config.ok_or_else(|| {
                    invalid("`config` trials need modnas's config runner (run through `modnas search` or `modnas::run_search`)")
                })?;
                let dir = dir.ok_or_else(|| invalid("`config` trials need a run directory"))?;
                runner(config, &overrides(arch)?, &dir)
            }
        }
    }
}

/// The trial's values as config overrides, `key=value` with TOML values.
pub fn overrides(arch: &ArchDesc) -> Result<Vec<String>, EstimError> {
    arch.iter()
        .map(|(name, value)| {
            let v = toml::Value::try_from(value).map_err(|e| invalid(e.to_string()))?;
            Ok(format!("{name}={v}"))
        })
        .collect()
}

impl Estim for HPTuneEstim {
    fn needs_model(&self) -> bool {
        false
    }

    fn resumable(&self) -> bool {
        true
    }

    fn check(&self, space: &ParamSpace) -> Result<(), EstimError> {
        self.check_placeholders(space)?;
        match &self.run {
            TrialRun::Config(config) if !Path::new(config).is_file() => Err(invalid(format!(
                "`config` = {}: no such file",
                config.display()
            ))),
            _ => Ok(()),
        }
    }
}

impl crate::TrialEstim for HPTuneEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        self.check(ctx.space)?;
        let this = &*self;
        search_loop_reporting(ctx, &this.search, |ctx, arch, index, reporter| {
            this.evaluate(ctx, arch, index, reporter)
        })
    }

    /// Command trials report their epochs (`MODNAS_REPORT` lines); nested runs do not. Both
    /// choose their own data: no data fraction.
    fn fidelities(&self) -> &'static [modnas_optim::FidelityKind] {
        match self.run {
            TrialRun::Command { .. } => &[modnas_optim::FidelityKind::Epochs],
            _ => &[],
        }
    }
}

register_estim!(
    /// hyper-parameter tuning: each trial a nested modnas run or an external command; 20 trials by
    /// default
    "HPTuneEstim", |args: crate::WithSearch<HPTuneArgs>| {
        Ok(crate::Estimator::Trials(Box::new(HPTuneEstim::new(
            args.own,
            args.shared.search_args(20),
        )?)))
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn estim(args: &str) -> Result<crate::Estimator, EstimError> {
        crate::build_estim("HPTuneEstim", &toml::from_str(args).unwrap())
    }

    fn reason(args: &str) -> String {
        match estim(args) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("`{args}` was accepted"),
        }
    }

    #[test]
    fn arguments_are_checked() {
        assert!(estim("command = [\"true\"]\ntimeout = 2").is_ok());
        assert!(estim("config = \"a.toml\"\ntrials = 3").is_ok());
        assert!(reason("").contains("missing `command`"));
        assert!(reason("command = [\"a\"]\nconfig = \"b\"").contains("not both"));
        assert!(reason("command = []").contains("`command` is empty"));
        assert!(reason("command = [\"a\"]\ntimeout = -1").contains("`timeout` = -1"));
        assert!(reason("config = \"a\"\ntimeout = 5").contains("applies to `command`"));
        assert!(reason("comand = [\"a\"]").contains("comand"));
    }

    #[test]
    fn values_become_typed_overrides() {
        let arch = ArchDesc::from_toml(
            "\"trainer.args.lr\" = 0.01\n\"trainer.args.optimizer\" = \"sgd\"\nseed = 3",
        )
        .unwrap();
        assert_eq!(
            overrides(&arch).unwrap(),
            [
                "trainer.args.lr=0.01",
                "trainer.args.optimizer=\"sgd\"",
                "seed=3"
            ]
        );
    }
}
