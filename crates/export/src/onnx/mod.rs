//! Writing a captured forward pass as an ONNX model.

mod builder;
mod lower;
mod lower_module;
mod tensor_proto;

use crate::{CapturedForward, ExportError};
use builder::OnnxBuilder;
use onnx_protobuf::{Message, ModelProto, OperatorSetIdProto};

/// The ONNX opset the exported models use (17: the first with `LayerNormalization`).
pub const OPSET: i64 = 17;

/// The captured forward pass as an ONNX `ModelProto` named `name`: one graph input and one
/// output with their shapes, the weights as initializers, the operations as nodes.
pub fn onnx_proto(captured: &CapturedForward, name: &str) -> Result<ModelProto, ExportError> {
    let graph = &captured.graph.graph;
    let mut builder = OnnxBuilder::new(&captured.graph);
    for op in &graph.operations {
        lower::lower(op, &mut builder)?;
    }
    let mut model = ModelProto::new();
    // IR version 8 is what opset 17 ships with (ONNX 1.12).
    model.ir_version = 8;
    model.producer_name = "modnas".into();
    model.producer_version = env!("CARGO_PKG_VERSION").into();
    let mut opset = OperatorSetIdProto::new();
    opset.version = OPSET;
    model.opset_import.push(opset);
    model.graph = Some(builder.finish(name, &graph.inputs, &graph.outputs)?).into();
    Ok(model)
}

/// The captured forward pass as the bytes of an `.onnx` file (see [`onnx_proto`]).
pub fn onnx_model(captured: &CapturedForward, name: &str) -> Result<Vec<u8>, ExportError> {
    encode(&onnx_proto(captured, name)?)
}

/// The bytes of an `.onnx` file holding `model`.
pub(crate) fn encode(model: &ModelProto) -> Result<Vec<u8>, ExportError> {
    model
        .write_to_bytes()
        .map_err(|e| ExportError::Capture(format!("encoding the ONNX model: {e}")))
}
