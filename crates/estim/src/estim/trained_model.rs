//! The final model of a run: `model.bpk` (the trained weights, a Burn record) and
//! `model.toml` (the input shape and the architecture), which `modnas::load_trained` turns
//! back into a network with the run's `config.toml`.

use crate::EstimError;
use burn::module::Module;
use modnas_construct::NetBox;
use modnas_param_space::ArchDesc;
use std::path::Path;

/// The trained weights.
pub const MODEL_FILE: &str = "model.bpk";
/// The input shape and architecture of the trained weights.
pub const MODEL_TOML: &str = "model.toml";

/// Writes `net` (of architecture `arch`, for `[channels, height, width]` inputs and `classes`
/// classes) into `dir`, weights first, each through a temporary file and a rename. An
/// `exported` net is the active sub-network of an elastic supernet
/// ([`DynModule::export_active`](modnas_construct::DynModule::export_active)); `model.toml`
/// says so, and loading exports the rebuilt supernet before it reads the weights.
pub(crate) fn save_trained(
    dir: &Path,
    net: &NetBox,
    arch: &ArchDesc,
    (shape, classes): ([usize; 3], usize),
    exported: bool,
) -> Result<(), EstimError> {
    let fail =
        |file: &str, e: String| EstimError::Record(format!("{}: {e}", dir.join(file).display()));
    let tmp = dir.join("model.bpk.tmp");
    net.clone()
        .save_file(&tmp)
        .map_err(|e| fail(MODEL_FILE, e.to_string()))?;
    std::fs::rename(&tmp, dir.join(MODEL_FILE)).map_err(|e| fail(MODEL_FILE, e.to_string()))?;
    let [channels, height, width] = shape;
    let mut input = toml::Table::new();
    for (k, v) in [
        ("channels", channels),
        ("height", height),
        ("width", width),
        ("classes", classes),
    ] {
        input.insert(k.into(), (v as i64).into());
    }
    let mut doc = toml::Table::new();
    doc.insert("input".into(), input.into());
    let arch = toml::Value::try_from(arch).map_err(|e| fail(MODEL_TOML, e.to_string()))?;
    doc.insert("arch".into(), arch);
    if exported {
        doc.insert("exported".into(), true.into());
    }
    let text = toml::to_string(&doc).map_err(|e| fail(MODEL_TOML, e.to_string()))?;
    let tmp = dir.join("model.toml.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, dir.join(MODEL_TOML)))
        .map_err(|e| fail(MODEL_TOML, e.to_string()))
}
