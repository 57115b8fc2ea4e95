//! Burn's tensor data and types as ONNX tensors and element types.

use crate::ExportError;
use burn::tensor::{DType, TensorData};
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::TensorProto;
use protobuf::Enum as _;

/// The ONNX element type of a Burn dtype; floats of other widths export as 32-bit.
pub(crate) fn onnx_dtype(dtype: DType) -> Result<DataType, ExportError> {
    Ok(match dtype {
        DType::F64 | DType::F32 | DType::Flex32 | DType::F16 | DType::BF16 => DataType::FLOAT,
        DType::I64 | DType::U64 => DataType::INT64,
        DType::I32 | DType::U32 | DType::I16 | DType::U16 | DType::I8 | DType::U8 => {
            DataType::INT64
        }
        DType::Bool(_) => DataType::BOOL,
        other => {
            return Err(ExportError::Unsupported {
                op: format!("{other:?}"),
                why: "only float, integer and bool tensors export".into(),
            })
        }
    })
}

/// A named ONNX tensor holding `data` (floats as f32, integers as i64, bools as bytes).
pub(crate) fn tensor_proto(name: &str, data: &TensorData) -> Result<TensorProto, ExportError> {
    let mut t = TensorProto::new();
    t.name = name.to_string();
    t.dims = data.shape().iter().map(|&d| d as i64).collect();
    let kind = onnx_dtype(data.dtype())?;
    t.data_type = kind.value();
    let fail = |e: burn::tensor::DataError| ExportError::Capture(format!("reading {name}: {e:?}"));
    match kind {
        DataType::FLOAT => {
            let values: Vec<f32> = data.try_to_vec_as::<f32>().map_err(fail)?;
            t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        }
        DataType::INT64 => {
            let values: Vec<i64> = data.try_to_vec_as::<i64>().map_err(fail)?;
            t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        }
        _ => {
            let values: Vec<bool> = data.try_to_vec_as::<bool>().map_err(fail)?;
            t.raw_data = values.iter().map(|&b| b as u8).collect();
        }
    }
    Ok(t)
}

/// A named 1-D int64 constant.
pub(crate) fn i64_tensor(name: &str, values: &[i64]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.to_string();
    t.dims = vec![values.len() as i64];
    t.data_type = DataType::INT64.value();
    t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    t
}

/// A named scalar constant (rank 0) of element type `kind`.
pub(crate) fn scalar_tensor(name: &str, value: f64, kind: DataType) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.to_string();
    t.data_type = kind.value();
    t.raw_data = match kind {
        DataType::FLOAT => (value as f32).to_le_bytes().to_vec(),
        DataType::INT64 => (value as i64).to_le_bytes().to_vec(),
        _ => vec![(value != 0.0) as u8],
    };
    t
}
