//! Measuring a latency lookup table for a config's search space (`modnas latency-lut`): the
//! model is built and traversed once to find every slot's input shape, then every candidate
//! of every slot is timed there on the config's device.

use crate::error::AtKey;
use crate::{Config, ModnasError};
use modnas_construct::{build_model, construct, probe_slots, ModelInput};
use modnas_estim::data::load_data;
use modnas_metrics::{LatencyTable, LutEntry, LutItem, MetricsError, TimingArgs};

/// What a table is measured for: each slot's candidates, spec and input shape, in model
/// order (slots of the same shape and candidates appear once).
pub fn latency_items(cfg: &Config) -> Result<Vec<LutItem>, ModnasError> {
    let model = cfg.model.as_ref().ok_or_else(|| {
        ModnasError::config(
            "model",
            "missing: a latency table is measured for a model's slots",
        )
    })?;
    let device = cfg.backend.device()?;
    let data = load_data(&cfg.data.type_name, &cfg.data.args, cfg.seed).at("data.args")?;
    let [c, h, w] = data.train.shape;
    let input = ModelInput {
        channels: c,
        height: h,
        width: w,
        classes: data.train.classes.max(data.valid.classes),
    };
    let net = build_model(&model.type_name, &model.args, &input, &device).at("model")?;
    let constructed = construct(net, &cfg.construct.args, &device).at("construct.args")?;
    let probes = probe_slots(|| {
        constructed.model.cost(&[1, c, h, w]);
    });
    let mut items: Vec<LutItem> = vec![];
    for p in probes {
        let input = match p.input.as_slice() {
            [_, c, h, w] => [*c, *h, *w],
            other => {
                return Err(ModnasError::config(
                    "model",
                    format!("slot `{}` takes input {other:?}, not [N, C, H, W]", p.key),
                ))
            }
        };
        let item = LutItem {
            ops: cfg
                .construct
                .args
                .candidates_for(&p.key, &p.spec)
                .at("construct.args")?,
            spec: p.spec,
            input,
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(items)
}

/// Measures the latency table of `cfg`'s search space on its device (without autodiff);
/// `on_entry` sees each entry as it is measured.
pub fn measure_latency_table(
    cfg: &Config,
    timing: &TimingArgs,
    on_entry: &mut dyn FnMut(&LutEntry),
) -> Result<LatencyTable, ModnasError> {
    let items = latency_items(cfg)?;
    let device = cfg.backend.device()?;
    LatencyTable::measure(&items, &device, timing, on_entry).map_err(|e| match e {
        MetricsError::InvalidArgs { .. } => ModnasError::config("timing", e),
        MetricsError::Construct(_) => ModnasError::config("construct.args", e),
        other => ModnasError::Estim(modnas_estim::EstimError::Metrics(other)),
    })
}
