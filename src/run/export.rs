//! Exporting the model a run trained as ONNX (`modnas export RUN`), checked in tract.

use super::trained::{input_of, load_trained};
use crate::ModnasError;
use burn::tensor::Device;
use modnas_export::{export_onnx, OnnxExport};
use std::path::Path;

/// The file `modnas export` writes in the run directory unless told otherwise.
pub const ONNX_FILE: &str = "model.onnx";

/// Writes the network trained in `run_dir` (see [`load_trained`]) as ONNX to `out`, for one
/// image of the run's input shape, after checking it: tract, an ONNX runtime modnas does not
/// contain, runs the file on a seeded input and its output is compared with Burn's. Returns
/// the check; an operation ONNX cannot express is refused by name, and nothing is written.
pub fn export_trained_onnx(run_dir: &Path, out: &Path) -> Result<OnnxExport, ModnasError> {
    let device = Device::default();
    let input = input_of(run_dir)?;
    let net = load_trained(run_dir, &device)?;
    let shape = [1, input.channels, input.height, input.width];
    let name = run_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("model");
    let export = export_onnx(&net, shape, name, |m, x| m.forward(x))?;
    std::fs::write(out, &export.bytes).map_err(|e| ModnasError::io(out, e))?;
    Ok(export)
}
