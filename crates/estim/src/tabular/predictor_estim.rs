//! `PredictorEstim`: metrics predicted by surrogate models trained on a table of evaluated
//! architectures (paper, A.2 predictor-based estimation).

use super::{KeyFormat, MetricTable};
use crate::estim::{search_loop, Estim, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError};
use modnas_core::MetricMap;
use modnas_optim::surrogate::{build_surrogate, Surrogate};
use modnas_optim::DiscreteSpace;
use serde::Deserialize;

/// Arguments of [`PredictorEstim`], besides the [`SearchArgs`] (`trials` defaults to 100;
/// `objective` is one of `predict`).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictorArgs {
    /// CSV of evaluated architectures to train on.
    pub path: String,
    /// The key column.
    #[config(default = "arch".into())]
    pub key: String,
    /// `"values"` (default) or `"nb201"`.
    #[serde(default)]
    pub format: KeyFormat,
    /// Surrogate: `"gbt"` (default), `"mlp"` or `"linear"`.
    #[config(default = "gbt".into())]
    pub model: String,
    /// Metric columns to predict.
    #[config(default = vec![acc()])]
    pub predict: Vec<String>,
}

fn acc() -> String {
    "acc".into()
}

/// Predicts each proposed architecture's metrics with surrogates fitted on a table.
pub struct PredictorEstim {
    args: PredictorArgs,
    search: SearchArgs,
    table: MetricTable,
}

impl PredictorEstim {
    /// An estimator trained on the table at `args.path`, searching within `search`.
    pub fn new(args: PredictorArgs, search: SearchArgs) -> Result<Self, EstimError> {
        if args.predict.is_empty() {
            return Err(EstimError::InvalidArgs {
                component: "PredictorEstim".into(),
                reason: "`predict` names no metric".into(),
            });
        }
        let table = MetricTable::read(&args.path, &args.key)?;
        Ok(Self {
            args,
            search,
            table,
        })
    }

    /// One fitted surrogate per predicted metric.
    fn fit(&self, space: &DiscreteSpace, seed: u64) -> Result<Vec<Box<dyn Surrogate>>, EstimError> {
        let bad = |reason: String| EstimError::BadData {
            path: self.args.path.clone(),
            reason,
        };
        let mut rows: Vec<(&String, &MetricMap)> = self.table.rows().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        let x = rows
            .iter()
            .map(|(key, _)| self.args.format.parse(key, space).map(|a| space.encode(&a)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let mut models = vec![];
        for metric in &self.args.predict {
            let y = rows
                .iter()
                .map(|(key, m)| {
                    m.get(metric)
                        .copied()
                        .ok_or_else(|| bad(format!("row `{key}` has no `{metric}`")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut model =
                build_surrogate(&self.args.model, seed).map_err(|e| EstimError::InvalidArgs {
                    component: "PredictorEstim".into(),
                    reason: e.to_string(),
                })?;
            model.fit(&x, &y)?;
            models.push(model);
        }
        Ok(models)
    }
}

impl Estim for PredictorEstim {
    fn resumable(&self) -> bool {
        true
    }

    fn needs_model(&self) -> bool {
        false
    }
}

impl crate::TrialEstim for PredictorEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let space = DiscreteSpace::from_space(ctx.space);
        let models = self.fit(&space, ctx.seed)?;
        let predict = &self.args.predict;
        search_loop(ctx, &self.search, |_, arch, _| {
            let x = [space.encode(arch)];
            Ok(predict
                .iter()
                .zip(&models)
                .map(|(m, model)| (m.clone(), model.predict(&x)[0]))
                .collect())
        })
    }
}

register_estim!(
    /// metrics predicted by surrogate models trained on a table of evaluated architectures; 100
    /// trials by default
    "PredictorEstim", |args: crate::WithSearch<PredictorArgs>| {
        Ok(crate::Estimator::Trials(Box::new(PredictorEstim::new(
            args.own,
            args.shared.search_args(100),
        )?)))
    }
);
