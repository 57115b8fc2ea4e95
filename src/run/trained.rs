//! Loading the final model a run trained (`model.bpk` + `model.toml`, written by
//! `DefaultEstim`, the augment step) for inference or fine-tuning, without running a search.
//!
//! ```no_run
//! # fn main() -> Result<(), modnas::ModnasError> {
//! use burn::module::Module;
//! let device = burn::tensor::Device::default();
//! let net = modnas::load_trained(std::path::Path::new("runs/darts-augment"), &device)?.valid();
//! # Ok(())
//! # }
//! ```

use crate::run::dir::{refuse, CONFIG_FILE};
use crate::{Config, ModnasError};
use burn::module::Module;
use burn::tensor::Device;
use modnas_construct::{build_model, construct, ModelInput, NetBox};
use modnas_estim::{read_arch_file, MODEL_FILE, MODEL_TOML};
use std::path::Path;

/// The input a run's trained model takes (`model.toml`'s `[input]`).
pub(crate) fn input_of(dir: &Path) -> Result<ModelInput, ModnasError> {
    let path = dir.join(MODEL_TOML);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        refuse(
            dir,
            format!("holds no trained model (`{MODEL_TOML}`: {e}); `DefaultEstim` runs write one"),
        )
    })?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| refuse(dir, format!("`{MODEL_TOML}`: {e}")))?;
    let get = |key: &str| {
        doc.get("input")
            .and_then(|i| i.get(key))
            .and_then(|v| v.as_integer())
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| refuse(dir, format!("`{MODEL_TOML}` lacks `input.{key}`")))
    };
    Ok(ModelInput {
        channels: get("channels")?,
        height: get("height")?,
        width: get("width")?,
        classes: get("classes")?,
    })
}

/// True when `model.toml` holds an exported sub-network.
fn exported(dir: &Path) -> Result<bool, ModnasError> {
    let text = std::fs::read_to_string(dir.join(MODEL_TOML))
        .map_err(|e| refuse(dir, format!("`{MODEL_TOML}`: {e}")))?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| refuse(dir, format!("`{MODEL_TOML}`: {e}")))?;
    Ok(doc
        .get("exported")
        .and_then(|v| v.as_bool())
        .unwrap_or(false))
}

/// The network trained in `run_dir`, rebuilt from the run's config and architecture on
/// `device`, with the trained weights and batch-norm statistics.
pub fn load_trained(run_dir: &Path, device: &Device) -> Result<NetBox, ModnasError> {
    let cfg = Config::from_file(run_dir.join(CONFIG_FILE), &[])?;
    let model = cfg
        .model
        .as_ref()
        .ok_or_else(|| refuse(run_dir, "its config has no `[model]`"))?;
    let input = input_of(run_dir)?;
    let arch = read_arch_file(&run_dir.join(MODEL_TOML))?;
    let net = build_model(&model.type_name, &model.args, &input, device)
        .map_err(|e| refuse(run_dir, e.to_string()))?;
    let mut c =
        construct(net, &cfg.construct.args, device).map_err(|e| refuse(run_dir, e.to_string()))?;
    c.apply(&arch).map_err(|e| {
        refuse(
            run_dir,
            format!("its architecture does not fit the model: {e}"),
        )
    })?;
    // An exported sub-network has the shape of the supernet's active part.
    let model = if exported(run_dir)? {
        c.model.export_active()
    } else {
        c.model
    };
    model
        .try_load_file(run_dir.join(MODEL_FILE))
        .map_err(|e| refuse(run_dir, format!("`{MODEL_FILE}`: {e}")))
}
