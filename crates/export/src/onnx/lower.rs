//! One Burn IR operation as ONNX nodes.

use super::builder::{dims, Attr, OnnxBuilder};
use super::tensor_proto::onnx_dtype;
use crate::ExportError;
use burn_ir::{
    ActivationOperationIr as Act, BaseOperationIr as Base, BinaryOpIr, BoolOperationIr as BoolOp,
    FloatOperationIr as Float, IntOperationIr as IntOp, NumericOperationIr as Num, OperationIr,
    PadModeIr, ReduceDimOpIr, ReduceOpIr, ScalarIr, ScalarOpIr, TensorIr, UnaryOpIr,
};
use protobuf::Enum as _;

type B<'a, 'g> = &'a mut OnnxBuilder<'g>;

/// Appends the ONNX nodes computing `op`; an operation without a mapping is refused by name.
pub(crate) fn lower(op: &OperationIr, b: B) -> Result<(), ExportError> {
    match op {
        // Bookkeeping: a value's creation is its initializer, a drop frees nothing in ONNX.
        OperationIr::Init(_) | OperationIr::Drop(_) => Ok(()),
        OperationIr::BaseFloat(base) | OperationIr::BaseInt(base) | OperationIr::BaseBool(base) => {
            lower_base(op, base, b)
        }
        OperationIr::NumericFloat(_, num) | OperationIr::NumericInt(_, num) => {
            lower_numeric(op, num, b)
        }
        OperationIr::Float(_, float) => lower_float(op, float, b),
        OperationIr::Module(module) => super::lower_module::lower_module(op, module, b),
        OperationIr::Activation(act) => lower_activation(op, act, b),
        OperationIr::Bool(BoolOp::Not(u)) => unary("Not", u, b),
        OperationIr::Bool(BoolOp::And(x)) => binary("And", x, b),
        OperationIr::Bool(BoolOp::Or(x)) => binary("Or", x, b),
        OperationIr::Bool(BoolOp::Xor(x)) => binary("Xor", x, b),
        OperationIr::Bool(BoolOp::IntoFloat(c) | BoolOp::IntoInt(c))
        | OperationIr::Int(IntOp::IntoFloat(c)) => cast(&c.input, &c.out, b),
        _ => Err(unsupported(op)),
    }
}

/// The error for `op`, named as Burn's IR names it (`Module/Attention`, `Float/Erf`).
pub(crate) fn unsupported(op: &OperationIr) -> ExportError {
    let shown = format!("{op:?}");
    // `Module(Attention(AttentionOpIr { .. }))`, `Float(F32, Erf(UnaryOpIr { .. }))`: the kind
    // and the operation are the first two words that are not a dtype or an `…OpIr` struct.
    let words: Vec<&str> = shown
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !w.ends_with("OpIr") && !is_dtype(w))
        .take(2)
        .collect();
    ExportError::Unsupported {
        op: words.join("/"),
        why: "modnas's ONNX writer has no lowering for it".into(),
    }
}

fn is_dtype(word: &str) -> bool {
    matches!(
        word,
        "F64"
            | "F32"
            | "Flex32"
            | "F16"
            | "BF16"
            | "I64"
            | "I32"
            | "I16"
            | "I8"
            | "U64"
            | "U32"
            | "U16"
            | "U8"
            | "Bool"
    )
}

pub(crate) fn unary(onnx: &str, u: &UnaryOpIr, b: B) -> Result<(), ExportError> {
    let x = b.input(&u.input)?;
    let out = b.output(&u.out);
    b.node(onnx, [x], [out], []);
    Ok(())
}

pub(crate) fn binary(onnx: &str, x: &BinaryOpIr, b: B) -> Result<(), ExportError> {
    let (lhs, rhs) = (b.input(&x.lhs)?, b.input(&x.rhs)?);
    let out = b.output(&x.out);
    b.node(onnx, [lhs, rhs], [out], []);
    Ok(())
}

pub(crate) fn scalar_value(s: &ScalarIr) -> f64 {
    match *s {
        ScalarIr::Float(v) => v,
        ScalarIr::Int(v) => v as f64,
        ScalarIr::UInt(v) => v as f64,
        ScalarIr::Bool(v) => v as u8 as f64,
    }
}

/// `lhs <op> scalar`, the scalar a constant of `lhs`'s type (or of the output's, for
/// comparisons, whose output is bool).
fn with_scalar(onnx: &str, x: &ScalarOpIr, b: B) -> Result<(), ExportError> {
    let lhs = b.input(&x.lhs)?;
    let rhs = b.scalar(scalar_value(&x.rhs), &x.lhs)?;
    let out = b.output(&x.out);
    b.node(onnx, [lhs, rhs], [out], []);
    Ok(())
}

pub(crate) fn cast(input: &TensorIr, out: &TensorIr, b: B) -> Result<(), ExportError> {
    let x = b.input(input)?;
    let to = onnx_dtype(out.dtype)?.value() as i64;
    let out = b.output(out);
    b.node("Cast", [x], [out], [("to", Attr::Int(to))]);
    Ok(())
}

/// `Reshape` of `x` (an ONNX name) to `out`'s shape.
pub(crate) fn reshape_to(x: String, out: &TensorIr, b: B) {
    let shape = b.ints(&dims(out));
    let out = b.output(out);
    b.node("Reshape", [x, shape], [out], []);
}

fn lower_base(op: &OperationIr, base: &Base, b: B) -> Result<(), ExportError> {
    match base {
        Base::Reshape(s) => {
            let x = b.input(&s.input)?;
            reshape_to(x, &s.out, b);
        }
        Base::Expand(s) => {
            let x = b.input(&s.input)?;
            let shape = b.ints(&dims(&s.out));
            let out = b.output(&s.out);
            b.node("Expand", [x, shape], [out], []);
        }
        Base::SwapDims(s) => {
            let mut perm: Vec<i64> = (0..s.input.shape.len() as i64).collect();
            perm.swap(s.dim1, s.dim2);
            let x = b.input(&s.input)?;
            let out = b.output(&s.out);
            b.node("Transpose", [x], [out], [("perm", Attr::Ints(perm))]);
        }
        Base::Permute(p) => {
            let perm = p.axes.iter().map(|&a| a as i64).collect();
            let x = b.input(&p.input)?;
            let out = b.output(&p.out);
            b.node("Transpose", [x], [out], [("perm", Attr::Ints(perm))]);
        }
        Base::Slice(s) => {
            let starts: Vec<i64> = s.ranges.iter().map(|r| r.start as i64).collect();
            let ends: Vec<i64> = s
                .ranges
                .iter()
                .map(|r| r.end.map_or(i64::MAX, |e| e as i64))
                .collect();
            let steps: Vec<i64> = s.ranges.iter().map(|r| r.step as i64).collect();
            let axes: Vec<i64> = (0..s.ranges.len() as i64).collect();
            let x = b.input(&s.tensor)?;
            let (starts, ends) = (b.ints(&starts), b.ints(&ends));
            let (axes, steps) = (b.ints(&axes), b.ints(&steps));
            let out = b.output(&s.out);
            b.node("Slice", [x, starts, ends, axes, steps], [out], []);
        }
        Base::Cat(c) => {
            let inputs = c
                .tensors
                .iter()
                .map(|t| b.input(t))
                .collect::<Result<Vec<_>, _>>()?;
            let out = b.output(&c.out);
            // `node` takes arrays; a concat has any number of inputs.
            b.node_dyn(
                "Concat",
                inputs,
                vec![out],
                [("axis", Attr::Int(c.dim as i64))],
            );
        }
        Base::Select(s) => {
            let (x, i) = (b.input(&s.tensor)?, b.input(&s.indices)?);
            let out = b.output(&s.out);
            b.node("Gather", [x, i], [out], [("axis", Attr::Int(s.dim as i64))]);
        }
        Base::Gather(g) => {
            let (x, i) = (b.input(&g.tensor)?, b.input(&g.indices)?);
            let out = b.output(&g.out);
            b.node(
                "GatherElements",
                [x, i],
                [out],
                [("axis", Attr::Int(g.dim as i64))],
            );
        }
        Base::MaskFill(m) => {
            let mask = b.input(&m.mask)?;
            let value = b.scalar(scalar_value(&m.value), &m.tensor)?;
            let x = b.input(&m.tensor)?;
            let out = b.output(&m.out);
            b.node("Where", [mask, value, x], [out], []);
        }
        Base::MaskWhere(m) => {
            let (mask, value, x) = (b.input(&m.mask)?, b.input(&m.value)?, b.input(&m.tensor)?);
            let out = b.output(&m.out);
            b.node("Where", [mask, value, x], [out], []);
        }
        Base::RepeatDim(r) => {
            let mut repeats = vec![1i64; r.tensor.shape.len()];
            repeats[r.dim] = r.times as i64;
            let x = b.input(&r.tensor)?;
            let repeats = b.ints(&repeats);
            let out = b.output(&r.out);
            b.node("Tile", [x, repeats], [out], []);
        }
        Base::Cast(c) => cast(&c.input, &c.out, b)?,
        Base::Zeros(c) | Base::Empty(c) => {
            b.filled(&c.out, 0.0)?;
        }
        Base::Ones(c) => {
            b.filled(&c.out, 1.0)?;
        }
        Base::Equal(x) => binary("Equal", x, b)?,
        Base::EqualElem(x) => with_scalar("Equal", x, b)?,
        _ => return Err(unsupported(op)),
    }
    Ok(())
}

/// `ReduceMean`/`ReduceMax`/`ReduceMin` (axes an attribute at opset 17) or `ReduceSum` (axes an
/// input) over `axes`, keeping them, then reshaped to the output's shape.
fn reduce(
    onnx: &str,
    input: &TensorIr,
    out: &TensorIr,
    axes: Vec<i64>,
    b: B,
) -> Result<(), ExportError> {
    let x = b.input(input)?;
    let kept = b.temp();
    if onnx == "ReduceSum" {
        let axes = b.ints(&axes);
        b.node(
            onnx,
            [x, axes],
            [kept.clone()],
            [("keepdims", Attr::Int(1))],
        );
    } else {
        b.node(
            onnx,
            [x],
            [kept.clone()],
            [("axes", Attr::Ints(axes)), ("keepdims", Attr::Int(1))],
        );
    }
    reshape_to(kept, out, b);
    Ok(())
}

fn reduce_all(onnx: &str, r: &ReduceOpIr, b: B) -> Result<(), ExportError> {
    let axes = (0..r.input.shape.len() as i64).collect();
    reduce(onnx, &r.input, &r.out, axes, b)
}

fn reduce_dim(onnx: &str, r: &ReduceDimOpIr, b: B) -> Result<(), ExportError> {
    reduce(onnx, &r.input, &r.out, vec![r.axis as i64], b)
}

fn lower_numeric(op: &OperationIr, num: &Num, b: B) -> Result<(), ExportError> {
    match num {
        Num::Add(x) => binary("Add", x, b),
        Num::Sub(x) => binary("Sub", x, b),
        Num::Mul(x) => binary("Mul", x, b),
        Num::Div(x) => binary("Div", x, b),
        Num::AddScalar(x) => with_scalar("Add", x, b),
        Num::SubScalar(x) => with_scalar("Sub", x, b),
        Num::MulScalar(x) => with_scalar("Mul", x, b),
        Num::DivScalar(x) => with_scalar("Div", x, b),
        Num::Abs(u) => unary("Abs", u, b),
        Num::Neg(u) => unary("Neg", u, b),
        Num::Sign(u) => unary("Sign", u, b),
        Num::Full(f) => b.filled(&f.out, scalar_value(&f.value)).map(drop),
        Num::Mean(r) => reduce_all("ReduceMean", r, b),
        Num::Sum(r) => reduce_all("ReduceSum", r, b),
        Num::Max(r) => reduce_all("ReduceMax", r, b),
        Num::Min(r) => reduce_all("ReduceMin", r, b),
        Num::MeanDim(r) => reduce_dim("ReduceMean", r, b),
        Num::SumDim(r) => reduce_dim("ReduceSum", r, b),
        Num::MaxDim(r) => reduce_dim("ReduceMax", r, b),
        Num::MinDim(r) => reduce_dim("ReduceMin", r, b),
        Num::SumDims(r) => {
            let axes = r.axes.iter().map(|&a| a as i64).collect();
            reduce("ReduceSum", &r.input, &r.out, axes, b)
        }
        Num::ArgMax(r) | Num::ArgMin(r) => {
            let onnx = if matches!(num, Num::ArgMax(_)) {
                "ArgMax"
            } else {
                "ArgMin"
            };
            let x = b.input(&r.input)?;
            let out = b.output(&r.out);
            let attrs = [
                ("axis", Attr::Int(r.axis as i64)),
                ("keepdims", Attr::Int(1)),
            ];
            b.node(onnx, [x], [out], attrs);
            Ok(())
        }
        Num::Greater(x) => binary("Greater", x, b),
        Num::GreaterElem(x) => with_scalar("Greater", x, b),
        Num::GreaterEqual(x) => binary("GreaterOrEqual", x, b),
        Num::GreaterEqualElem(x) => with_scalar("GreaterOrEqual", x, b),
        Num::Lower(x) => binary("Less", x, b),
        Num::LowerElem(x) => with_scalar("Less", x, b),
        Num::LowerEqual(x) => binary("LessOrEqual", x, b),
        Num::LowerEqualElem(x) => with_scalar("LessOrEqual", x, b),
        Num::Clamp(c) => {
            let x = b.input(&c.tensor)?;
            let min = b.scalar(scalar_value(&c.min), &c.tensor)?;
            let max = b.scalar(scalar_value(&c.max), &c.tensor)?;
            let out = b.output(&c.out);
            b.node("Clip", [x, min, max], [out], []);
            Ok(())
        }
        Num::Pad(p) => {
            // Burn gives one (before, after) pair per dimension; ONNX every start, then every end.
            let starts = p.padding.iter().map(|d| d.0 as i64);
            let ends = p.padding.iter().map(|d| d.1 as i64);
            let pads: Vec<i64> = starts.chain(ends).collect();
            let x = b.input(&p.input)?;
            let pads = b.ints(&pads);
            let (mode, value) = match &p.mode {
                PadModeIr::Constant(v) => ("constant", scalar_value(v)),
                PadModeIr::Reflect => ("reflect", 0.0),
                PadModeIr::Edge => ("edge", 0.0),
            };
            let value = b.scalar(value, &p.input)?;
            let out = b.output(&p.out);
            b.node("Pad", [x, pads, value], [out], [("mode", Attr::Str(mode))]);
            Ok(())
        }
        Num::ClampMin(x) => with_scalar("Max", x, b),
        Num::ClampMax(x) => with_scalar("Min", x, b),
        Num::CumSum(d) => {
            let x = b.input(&d.input)?;
            let axis = b.ints(&[d.axis as i64]);
            let out = b.output(&d.out);
            b.node("CumSum", [x, axis], [out], []);
            Ok(())
        }
        _ => Err(unsupported(op)),
    }
}

fn lower_float(op: &OperationIr, float: &Float, b: B) -> Result<(), ExportError> {
    match float {
        Float::Exp(u) => unary("Exp", u, b),
        Float::Log(u) => unary("Log", u, b),
        Float::Sqrt(u) => unary("Sqrt", u, b),
        Float::Tanh(u) => unary("Tanh", u, b),
        Float::Erf(u) => unary("Erf", u, b),
        Float::Cos(u) => unary("Cos", u, b),
        Float::Sin(u) => unary("Sin", u, b),
        Float::Recip(u) => unary("Reciprocal", u, b),
        Float::Round(u) => unary("Round", u, b),
        Float::Floor(u) => unary("Floor", u, b),
        Float::PowfScalar(x) => with_scalar("Pow", x, b),
        Float::Powf(x) => binary("Pow", x, b),
        Float::Matmul(m) => {
            let (lhs, rhs) = (b.input(&m.lhs)?, b.input(&m.rhs)?);
            let out = b.output(&m.out);
            b.node("MatMul", [lhs, rhs], [out], []);
            Ok(())
        }
        Float::IntoInt(c) => cast(&c.input, &c.out, b),
        _ => Err(unsupported(op)),
    }
}

fn lower_activation(op: &OperationIr, act: &Act, b: B) -> Result<(), ExportError> {
    match act {
        Act::Relu(u) => unary("Relu", u, b),
        Act::Sigmoid(u) => unary("Sigmoid", u, b),
        Act::Gelu(u) => {
            // Opset 17 has no Gelu: x · ½ · (1 + erf(x / √2)), Burn's exact form.
            let x = b.input(&u.input)?;
            let sqrt2 = b.scalar(std::f64::consts::SQRT_2, &u.input)?;
            let (one, half) = (b.scalar(1.0, &u.input)?, b.scalar(0.5, &u.input)?);
            let (scaled, erf, shifted, gated) = (b.temp(), b.temp(), b.temp(), b.temp());
            b.node("Div", [x.clone(), sqrt2], [scaled.clone()], []);
            b.node("Erf", [scaled], [erf.clone()], []);
            b.node("Add", [erf, one], [shifted.clone()], []);
            b.node("Mul", [x, shifted], [gated.clone()], []);
            let out = b.output(&u.out);
            b.node("Mul", [gated, half], [out], []);
            Ok(())
        }
        Act::LeakyRelu(x) => {
            let input = b.input(&x.lhs)?;
            let out = b.output(&x.out);
            let alpha = scalar_value(&x.rhs) as f32;
            b.node("LeakyRelu", [input], [out], [("alpha", Attr::Float(alpha))]);
            Ok(())
        }
        Act::HardSigmoid(h) => {
            let input = b.input(&h.tensor)?;
            let out = b.output(&h.out);
            let attrs = [
                ("alpha", Attr::Float(scalar_value(&h.alpha) as f32)),
                ("beta", Attr::Float(scalar_value(&h.beta) as f32)),
            ];
            b.node("HardSigmoid", [input], [out], attrs);
            Ok(())
        }
        Act::Softmax(d) | Act::LogSoftmax(d) => {
            let onnx = if matches!(act, Act::Softmax(_)) {
                "Softmax"
            } else {
                "LogSoftmax"
            };
            let x = b.input(&d.input)?;
            let out = b.output(&d.out);
            b.node(onnx, [x], [out], [("axis", Attr::Int(d.axis as i64))]);
            Ok(())
        }
        _ => Err(unsupported(op)),
    }
}
