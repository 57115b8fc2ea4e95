//! Running an exported model in an independent ONNX runtime (tract) and comparing its output
//! with Burn's forward pass.

use crate::onnx::encode;
use crate::{capture_forward, onnx_proto, ExportError};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use tract_onnx::prelude::{tvec, Framework, InferenceModelExt, IntoTensor};

/// An ONNX export checked against Burn: the file's bytes and how far the ONNX runtime's output
/// is from Burn's on the same input.
#[derive(Clone, Debug)]
pub struct OnnxExport {
    /// The `.onnx` file.
    pub bytes: Vec<u8>,
    /// The largest absolute difference between tract's output and Burn's forward, on one
    /// input drawn from a standard normal distribution (seeded).
    pub max_abs_diff: f32,
    /// The largest absolute value of Burn's output on that input, the scale `max_abs_diff`
    /// is to be read against.
    pub max_abs_output: f32,
    /// How many ONNX nodes the graph has.
    pub nodes: usize,
}

/// Runs the ONNX model `bytes` in tract on `input` and returns its (first) output.
pub fn run_onnx(bytes: &[u8], input: &TensorData) -> Result<TensorData, ExportError> {
    let fail = |e: tract_onnx::prelude::TractError| ExportError::Runtime(format!("{e:#}"));
    let model = tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .map_err(fail)?
        .into_optimized()
        .map_err(fail)?
        .into_runnable()
        .map_err(fail)?;
    let values: Vec<f32> = input
        .try_to_vec_as::<f32>()
        .map_err(|e| ExportError::Runtime(format!("reading the input: {e:?}")))?;
    let array =
        tract_onnx::prelude::tract_ndarray::ArrayD::from_shape_vec(input.shape().to_vec(), values)
            .map_err(|e| ExportError::Runtime(e.to_string()))?;
    let outputs = model.run(tvec!(array.into_tensor().into())).map_err(fail)?;
    let output = outputs[0].to_array_view::<f32>().map_err(fail)?;
    Ok(TensorData::new(
        output.iter().copied().collect::<Vec<f32>>(),
        output.shape().to_vec(),
    ))
}

/// Exports `forward(module, ·)` for inputs of shape `input_shape` to ONNX (graph `name`) and
/// checks the file: tract runs it on a seeded standard-normal input and its output is compared
/// with Burn's forward on the default device (in inference mode, as exported).
pub fn export_onnx<M: Module, const DI: usize, const DO: usize>(
    module: &M,
    input_shape: [usize; DI],
    name: &str,
    forward: impl Fn(&M, Tensor<DI>) -> Tensor<DO>,
) -> Result<OnnxExport, ExportError> {
    let captured = capture_forward(module, input_shape, &forward)?;
    let proto = onnx_proto(&captured, name)?;
    let nodes = proto.graph.node.len();
    let bytes = encode(&proto)?;
    let device = Device::default();
    device.seed(17);
    let input = Tensor::<DI>::random(input_shape, Distribution::Normal(0.0, 1.0), &device);
    let expected = forward(&module.valid(), input.clone()).into_data();
    let got = run_onnx(&bytes, &input.into_data())?;
    if got.shape() != expected.shape() {
        return Err(ExportError::Runtime(format!(
            "the ONNX runtime's output has shape {:?}, Burn's {:?}",
            got.shape(),
            expected.shape()
        )));
    }
    let (got, expected): (Vec<f32>, Vec<f32>) = (
        got.try_to_vec_as::<f32>()
            .map_err(|e| ExportError::Runtime(format!("{e:?}")))?,
        expected
            .try_to_vec_as::<f32>()
            .map_err(|e| ExportError::Runtime(format!("{e:?}")))?,
    );
    let max_abs_diff = got
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let max_abs_output = expected.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
    tracing::info!(
        name,
        nodes,
        max_abs_diff,
        max_abs_output,
        "ONNX export checked in tract"
    );
    Ok(OnnxExport {
        bytes,
        max_abs_diff,
        max_abs_output,
        nodes,
    })
}
