//! What can go wrong when exporting a model.

/// An export that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Burn's graph capture refused the forward pass (an operation that reads a tensor's
    /// values on the host, for instance, has nothing to read while capturing).
    #[error("capturing the forward pass failed: {0}")]
    Capture(String),
    /// A Burn operation the ONNX writer has no mapping for.
    #[error("`{op}` has no ONNX mapping: the model cannot be exported to ONNX ({why})")]
    Unsupported {
        /// The operation, as Burn's IR names it (`Module/Attention`, `Float/Erf` …).
        op: String,
        /// What is missing.
        why: String,
    },
    /// The ONNX runtime could not load or run the exported model, or its output differs in
    /// shape from Burn's.
    #[error("the ONNX runtime (tract) refused the export: {0}")]
    Runtime(String),
    /// A tensor the graph reads that neither an input, a weight nor an earlier operation gives.
    #[error("tensor {0} is read before anything writes it")]
    Dangling(String),
}
