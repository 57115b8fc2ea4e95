//! The ONNX graph being written: nodes, initializers and the names of tensors.

use super::tensor_proto::{i64_tensor, onnx_dtype, scalar_tensor, tensor_proto};
use crate::ExportError;
use burn_capture::{CapturedGraph, TensorId};
use burn_ir::TensorIr;
use onnx_protobuf::attribute_proto::AttributeType;
use onnx_protobuf::tensor_shape_proto::{dimension, Dimension};
use onnx_protobuf::{
    type_proto, AttributeProto, GraphProto, NodeProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
};
use protobuf::Enum as _;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The ONNX name of a Burn tensor.
pub(crate) fn name(id: &TensorId) -> String {
    // `TensorId` shows as `TensorId(7)`; its number alone makes a readable name.
    let shown = id.to_string();
    let number = shown.trim_start_matches("TensorId(").trim_end_matches(')');
    format!("t{number}")
}

/// An ONNX attribute.
pub(crate) enum Attr {
    /// One integer.
    Int(i64),
    /// A list of integers.
    Ints(Vec<i64>),
    /// One float.
    Float(f32),
    /// A string (`Pad`'s mode).
    Str(&'static str),
}

/// The graph being written.
pub(crate) struct OnnxBuilder<'g> {
    values: &'g BTreeMap<TensorId, burn::tensor::TensorData>,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    /// Names already given a value: inputs, initializers, node outputs.
    defined: HashSet<String>,
    /// The shape and type of every tensor the operations name.
    tensors: HashMap<TensorId, TensorIr>,
    fresh: usize,
}

impl<'g> OnnxBuilder<'g> {
    /// A builder for `captured`, whose graph inputs are defined.
    pub(crate) fn new(captured: &'g CapturedGraph) -> Self {
        let mut tensors = HashMap::new();
        for op in &captured.graph.operations {
            for t in op.nodes() {
                tensors.entry(t.id).or_insert_with(|| t.clone());
            }
        }
        let defined = captured.graph.inputs.iter().map(name).collect();
        Self {
            values: &captured.values,
            nodes: vec![],
            initializers: vec![],
            defined,
            tensors,
            fresh: 0,
        }
    }

    /// The name of `tensor` as an operation input: defined earlier, or a recorded value
    /// (a weight), which becomes an initializer the first time it is read.
    pub(crate) fn input(&mut self, tensor: &TensorIr) -> Result<String, ExportError> {
        let n = name(&tensor.id);
        if self.defined.contains(&n) {
            return Ok(n);
        }
        let data = self
            .values
            .get(&tensor.id)
            .ok_or_else(|| ExportError::Dangling(n.clone()))?;
        self.initializers.push(tensor_proto(&n, data)?);
        self.defined.insert(n.clone());
        Ok(n)
    }

    /// The name of `tensor` as an operation output.
    pub(crate) fn output(&mut self, tensor: &TensorIr) -> String {
        let n = name(&tensor.id);
        self.defined.insert(n.clone());
        n
    }

    /// A name for an intermediate result of a lowering that takes several nodes.
    pub(crate) fn temp(&mut self) -> String {
        self.fresh += 1;
        let n = format!("tmp{}", self.fresh);
        self.defined.insert(n.clone());
        n
    }

    /// A 1-D int64 constant (shapes, axes, slice bounds).
    pub(crate) fn ints(&mut self, values: &[i64]) -> String {
        let n = self.temp();
        self.initializers.push(i64_tensor(&n, values));
        n
    }

    /// A scalar constant of the element type of `like`.
    pub(crate) fn scalar(&mut self, value: f64, like: &TensorIr) -> Result<String, ExportError> {
        let kind = onnx_dtype(like.dtype)?;
        let n = self.temp();
        self.initializers.push(scalar_tensor(&n, value, kind));
        Ok(n)
    }

    /// A constant of `tensor`'s shape and type, every element `value`.
    pub(crate) fn filled(&mut self, tensor: &TensorIr, value: f64) -> Result<String, ExportError> {
        let scalar = self.scalar(value, tensor)?;
        let shape = self.ints(&dims(tensor));
        let out = self.output(tensor);
        self.node("Expand", [scalar, shape], [out], []);
        Ok(name(&tensor.id))
    }

    /// Appends a node.
    pub(crate) fn node<const I: usize, const O: usize, const A: usize>(
        &mut self,
        op: &str,
        inputs: [String; I],
        outputs: [String; O],
        attrs: [(&str, Attr); A],
    ) {
        self.node_dyn(op, inputs.to_vec(), outputs.to_vec(), attrs);
    }

    /// Appends a node with any number of inputs and outputs (`Concat`).
    pub(crate) fn node_dyn<const A: usize>(
        &mut self,
        op: &str,
        inputs: Vec<String>,
        outputs: Vec<String>,
        attrs: [(&str, Attr); A],
    ) {
        let mut node = NodeProto::new();
        node.op_type = op.to_string();
        node.name = format!("{op}_{}", self.nodes.len());
        node.input = inputs;
        node.output = outputs;
        node.attribute = attrs.into_iter().map(|(n, a)| attribute(n, a)).collect();
        self.nodes.push(node);
    }

    /// The finished graph, named `graph_name`, with its inputs and outputs typed and shaped.
    pub(crate) fn finish(
        self,
        graph_name: &str,
        inputs: &[TensorId],
        outputs: &[TensorId],
    ) -> Result<GraphProto, ExportError> {
        let mut graph = GraphProto::new();
        graph.name = graph_name.to_string();
        let info = |id: &TensorId| -> Result<ValueInfoProto, ExportError> {
            let tensor = self
                .tensors
                .get(id)
                .ok_or_else(|| ExportError::Dangling(name(id)))?;
            value_info(&name(id), tensor)
        };
        graph.input = inputs.iter().map(info).collect::<Result<_, _>>()?;
        graph.output = outputs.iter().map(info).collect::<Result<_, _>>()?;
        if let Some(missing) = outputs.iter().map(name).find(|n| !self.defined.contains(n)) {
            return Err(ExportError::Dangling(missing));
        }
        graph.node = self.nodes;
        graph.initializer = self.initializers;
        Ok(graph)
    }
}

/// A tensor's dimensions as ONNX wants them.
pub(crate) fn dims(tensor: &TensorIr) -> Vec<i64> {
    tensor.shape.iter().map(|&d| d as i64).collect()
}

fn attribute(name: &str, value: Attr) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.to_string();
    match value {
        Attr::Int(i) => {
            a.type_ = AttributeType::INT.into();
            a.i = i;
        }
        Attr::Ints(v) => {
            a.type_ = AttributeType::INTS.into();
            a.ints = v;
        }
        Attr::Float(f) => {
            a.type_ = AttributeType::FLOAT.into();
            a.f = f;
        }
        Attr::Str(text) => {
            a.type_ = AttributeType::STRING.into();
            a.s = text.as_bytes().to_vec();
        }
    }
    a
}

fn value_info(name: &str, tensor: &TensorIr) -> Result<ValueInfoProto, ExportError> {
    let mut shape = TensorShapeProto::new();
    shape.dim = dims(tensor)
        .into_iter()
        .map(|d| {
            let mut dim = Dimension::new();
            dim.value = Some(dimension::Value::DimValue(d));
            dim
        })
        .collect();
    let mut tensor_type = type_proto::Tensor::new();
    tensor_type.elem_type = onnx_dtype(tensor.dtype)?.value();
    tensor_type.shape = Some(shape).into();
    let mut ty = TypeProto::new();
    ty.value = Some(type_proto::Value::TensorType(tensor_type));
    let mut info = ValueInfoProto::new();
    info.name = name.to_string();
    info.type_ = Some(ty).into();
    Ok(info)
}
