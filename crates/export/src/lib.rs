#![warn(missing_docs)]
//! Shipping the found model: its forward pass captured as a graph and written as ONNX.
//!
//! [`capture_forward`] runs a module's forward once on Burn's graph-capture device
//! (`Device::capture()`), which records every tensor operation (`burn_ir::OperationIr`) with
//! the module's weights instead of computing; [`onnx_model`] lowers that record to an ONNX
//! graph (opset [`OPSET`]), one ONNX node or a few per Burn operation, the weights as
//! initializers. Any model made of Burn layers exports this way, a user's as well as a built-in
//! one, since what is read is the operations Burn runs, not modnas's types; an operation
//! without an ONNX mapping is refused by name ([`ExportError::Unsupported`]).
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::{Device, Tensor};
//! use modnas_export::{capture_forward, onnx_model};
//!
//! let linear = LinearConfig::new(4, 2).init(&Device::default());
//! let graph = capture_forward(&linear, [1, 4], |m, x: Tensor<2>| m.forward(x)).unwrap();
//! let onnx = onnx_model(&graph, "linear").unwrap();
//! assert!(onnx.len() > 32); // the weights are in it
//! ```

mod capture;
mod error;
mod onnx;
mod verify;

pub use capture::{capture_forward, CapturedForward};
pub use error::ExportError;
pub use onnx::{onnx_model, onnx_proto, OPSET};
pub use verify::{export_onnx, run_onnx, OnnxExport};
