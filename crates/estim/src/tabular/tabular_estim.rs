//! `TabularEstim`: metrics looked up from a table instead of training (paper, A.2).

use super::{nb201_arch_string, parse_nb201_arch_string, MetricTable};
use crate::estim::{search_trials, Estim, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError};
use modnas_core::MetricMap;
use modnas_optim::DiscreteSpace;
use modnas_param_space::ArchDesc;
use serde::Deserialize;

/// How an architecture becomes the table's key.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyFormat {
    /// The values in parameter order, joined by `|` (`NC3|NC5|IDT`).
    #[default]
    Values,
    /// The NAS-Bench-201 arch string (`|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`).
    Nb201,
}

impl KeyFormat {
    /// The table key of `arch`.
    pub fn key(self, arch: &ArchDesc) -> Result<String, EstimError> {
        match self {
            KeyFormat::Nb201 => nb201_arch_string(arch),
            KeyFormat::Values => Ok(arch
                .iter()
                .map(|(_, v)| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("|")),
        }
    }

    /// The architecture of a table key, over the discrete parameters of `space`.
    pub fn parse(self, key: &str, space: &DiscreteSpace) -> Result<ArchDesc, String> {
        match self {
            KeyFormat::Nb201 => parse_nb201_arch_string(key),
            KeyFormat::Values => {
                let fields: Vec<&str> = key.split('|').collect();
                if fields.len() != space.params().len() {
                    return Err(format!(
                        "`{key}` has {} values for {} parameters",
                        fields.len(),
                        space.params().len()
                    ));
                }
                space
                    .params()
                    .iter()
                    .zip(fields)
                    .map(|((name, domain), field)| {
                        domain
                            .parse_value(field)
                            .map(|v| (name.clone(), v))
                            .ok_or_else(|| {
                                format!("`{field}` is not a value of `{name}` in `{key}`")
                            })
                    })
                    .collect()
            }
        }
    }
}

/// Arguments of [`TabularEstim`], besides the [`SearchArgs`] (`trials` defaults to 100).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TabularArgs {
    /// The CSV file.
    pub path: String,
    /// The key column.
    #[config(default = "arch".into())]
    pub key: String,
    /// `"values"` (default) or `"nb201"`.
    #[serde(default)]
    pub format: KeyFormat,
}

/// Looks every proposed architecture up in a metric table.
pub struct TabularEstim {
    args: TabularArgs,
    search: SearchArgs,
    table: MetricTable,
}

impl TabularEstim {
    /// An estimator over the table at `args.path`, searching within `search`.
    pub fn new(args: TabularArgs, search: SearchArgs) -> Result<Self, EstimError> {
        let table = MetricTable::read(&args.path, &args.key)?;
        Ok(Self {
            args,
            search,
            table,
        })
    }

    /// The table key of `arch`.
    pub fn key(&self, arch: &ArchDesc) -> Result<String, EstimError> {
        self.args.format.key(arch)
    }
}

impl Estim for TabularEstim {
    fn resumable(&self) -> bool {
        true
    }

    fn needs_model(&self) -> bool {
        false
    }
}

impl crate::TrialEstim for TabularEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        search_trials(&*self, ctx, &self.search)
    }

    fn distributable(&self) -> bool {
        true
    }

    fn evaluate_trial(
        &self,
        _ctx: &SearchContext<'_>,
        arch: &ArchDesc,
        _index: usize,
        _reporter: &mut crate::TrialReporter<'_>,
    ) -> Result<MetricMap, EstimError> {
        let key = self.key(arch)?;
        self.table
            .get(&key)
            .cloned()
            .ok_or_else(|| EstimError::BadData {
                path: self.args.path.clone(),
                reason: format!("architecture `{key}` is not in the table"),
            })
    }
}

register_estim!(
    /// metrics looked up in a table of evaluated architectures (NAS-Bench-201 style) instead of
    /// training; 100 trials by default
    "TabularEstim", |args: crate::WithSearch<TabularArgs>| {
        Ok(crate::Estimator::Trials(Box::new(TabularEstim::new(
            args.own,
            args.shared.search_args(100),
        )?)))
    }
);
