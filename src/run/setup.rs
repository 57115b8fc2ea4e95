//! What a search needs that its config determines — device, data, trainer, metrics, the
//! constructed search space and the estimator — built the same way by a search run and by a
//! worker process.

use crate::config::validate::{build_parts, Parts};
use crate::error::AtKey;
use crate::{config::Component, Config, ModnasError};
use burn::tensor::Device;
use modnas_construct::{
    build_model, construct, construct_as, ConstructError, Constructed, ModelInput, NetBox,
};
use modnas_estim::data::{load_data, DataSplit};
use modnas_estim::{EstimError, Estimator, NetBuilder, SearchContext, TrialObserver};
use modnas_metrics::ArchMetric;
use modnas_param_space::{ArchDesc, ParamSpace};

/// The parts of a search built from its config.
pub(crate) struct SearchSetup<'c> {
    cfg: &'c Config,
    model: Option<&'c Component>,
    input: ModelInput,
    /// The training device (with autodiff).
    pub train_device: Device,
    /// Trains and evaluates each trial's network (`[trainer]` of the config).
    pub trainer: Box<dyn modnas_estim::TrialTrainer>,
    /// Metrics computed for every trial.
    pub metrics: Vec<Box<dyn ArchMetric>>,
    /// Train/valid data (empty for estimators that build no network).
    pub data: DataSplit,
    /// The search space: the model's slots and `[space]`.
    pub space: ParamSpace,
}

fn data_error(e: EstimError) -> ModnasError {
    match e {
        EstimError::InvalidArgs { .. } => ModnasError::config("data.args", e),
        other => ModnasError::Estim(other),
    }
}

fn model_error(e: ConstructError) -> ModnasError {
    match e {
        ConstructError::Unknown(_) => ModnasError::config("model.type", e),
        other => ModnasError::config("model.args", other),
    }
}

impl<'c> SearchSetup<'c> {
    /// Builds the parts of `cfg` and its estimator; every input error names its config key.
    pub(crate) fn new(cfg: &'c Config) -> Result<(Self, Estimator), ModnasError> {
        let device = cfg.backend.device()?;
        let train_device = device.autodiff();
        let Parts {
            trainer,
            metrics,
            estim,
        } = build_parts(cfg)?;
        let model = match (&cfg.model, estim.estim().needs_model()) {
            (Some(m), true) => Some(m),
            (None, true) => {
                return Err(ModnasError::config(
                    "model",
                    format!(
                        "missing: `{}` trains networks; known models: [{}]",
                        cfg.estim.search.type_name,
                        modnas_construct::model_names().join(", ")
                    ),
                ))
            }
            (_, false) => None,
        };
        let data = match model {
            Some(_) => {
                load_data(&cfg.data.type_name, &cfg.data.args, cfg.seed).map_err(data_error)?
            }
            None => DataSplit::empty(),
        };
        let input = ModelInput {
            channels: data.train.shape[0],
            height: data.train.shape[1],
            width: data.train.shape[2],
            classes: data.train.classes.max(data.valid.classes),
        };
        let space = match model {
            Some(m) => {
                let net = build_model(&m.type_name, &m.args, &input, &train_device)
                    .map_err(model_error)?;
                let mut template =
                    construct(net, &cfg.construct.args, &train_device).at("construct.args")?;
                // Every metric once on the default architecture (of plain candidates): a
                // latency table from another device, say, is refused before the run directory
                // is written.
                if cfg.construct.args.mixed_op.is_none() {
                    let shape = [1, input.channels, input.height, input.width];
                    for m in &metrics {
                        m.compute(&template.model, &shape).at("metrics")?;
                    }
                }
                cfg.space.extend(&mut template.space)?;
                template.space
            }
            None => {
                let mut space = ParamSpace::new();
                cfg.space.extend(&mut space)?;
                space
            }
        };
        if space.is_empty() {
            return Err(ModnasError::config(
                "space",
                "the search space is empty: give a `model` with slots, `[space] preset` or `[space.params]`",
            ));
        }
        let setup = Self {
            cfg,
            model,
            input,
            train_device,
            trainer,
            metrics,
            data,
            space,
        };
        Ok((setup, estim))
    }

    /// A fresh constructed network (new weights) on the training device, its slots filled as
    /// `arch` chooses.
    pub(crate) fn build_net(&self, arch: &ArchDesc) -> Result<Constructed<NetBox>, EstimError> {
        let m = self.model.ok_or_else(|| EstimError::InvalidArgs {
            component: "model".into(),
            reason: "this run has no model to build".into(),
        })?;
        let net = build_model(&m.type_name, &m.args, &self.input, &self.train_device)?;
        let mut c = construct_as(net, &self.cfg.construct.args, arch, &self.train_device)?;
        self.cfg
            .space
            .extend(&mut c.space)
            .map_err(|e| EstimError::InvalidArgs {
                component: "space".into(),
                reason: e.to_string(),
            })?;
        Ok(c)
    }

    /// A search context over these parts that evaluates in this process and replays nothing
    /// (a run sets its own `replay`, `run_dir`, `run_config` and `dispatch`).
    pub(crate) fn context<'a, O: ?Sized>(
        &'a self,
        builder: &'a NetBuilder<'a>,
        optim: &'a mut O,
        observer: &'a mut dyn TrialObserver,
    ) -> SearchContext<'a, O> {
        SearchContext {
            space: &self.space,
            builder,
            optim,
            data: &self.data,
            trainer: self.trainer.as_ref(),
            metrics: &self.metrics,
            device: &self.train_device,
            seed: self.cfg.seed,
            observer,
            replay: &[],
            run_dir: None,
            run_config: None,
            dispatch: None,
            pruning: None,
        }
    }
}
