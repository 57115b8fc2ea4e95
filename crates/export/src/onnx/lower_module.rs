//! Burn's module operations (convolutions, pools, normalisations, linear, embedding) as ONNX.

use super::builder::{Attr, OnnxBuilder};
use super::lower::{reshape_to, scalar_value, unsupported};
use crate::ExportError;
use burn_ir::{ModuleOperationIr as Module, OperationIr, TensorIr};

type B<'a, 'g> = &'a mut OnnxBuilder<'g>;

fn ints(v: &[usize]) -> Attr {
    Attr::Ints(v.iter().map(|&x| x as i64).collect())
}

/// ONNX `pads`: every spatial dimension's start, then every one's end.
fn pads(padding: &[(usize, usize)]) -> Attr {
    let starts = padding.iter().map(|p| p.0 as i64);
    let ends = padding.iter().map(|p| p.1 as i64);
    Attr::Ints(starts.chain(ends).collect())
}

/// `Conv` of `x` by `weight` (`[out, in / groups, k…]`, as ONNX wants it) and an optional bias.
#[allow(clippy::too_many_arguments)]
fn conv(
    x: &TensorIr,
    weight: &TensorIr,
    bias: Option<&TensorIr>,
    out: &TensorIr,
    stride: Attr,
    padding: &[(usize, usize)],
    dilation: Attr,
    groups: usize,
    b: B,
) -> Result<(), ExportError> {
    let kernel: Vec<i64> = weight.shape[2..].iter().map(|&k| k as i64).collect();
    let (x, w) = (b.input(x)?, b.input(weight)?);
    let out = b.output(out);
    let attrs = [
        ("kernel_shape", Attr::Ints(kernel)),
        ("strides", stride),
        ("pads", pads(padding)),
        ("dilations", dilation),
        ("group", Attr::Int(groups as i64)),
    ];
    match bias {
        Some(bias) => {
            let bias = b.input(bias)?;
            b.node("Conv", [x, w, bias], [out], attrs);
        }
        None => b.node("Conv", [x, w], [out], attrs),
    }
    Ok(())
}

/// `Conv` for a convolution operation of any rank (`Conv1dOpIr`, `Conv2dOpIr`: the same fields).
macro_rules! conv_op {
    ($c:expr, $b:expr) => {{
        let (c, o) = ($c, &$c.options);
        conv(
            &c.x,
            &c.weight,
            c.bias.as_ref(),
            &c.out,
            ints(&o.stride),
            &o.padding,
            ints(&o.dilation),
            o.groups,
            $b,
        )?
    }};
}

/// Appends the nodes of a module operation.
pub(crate) fn lower_module(op: &OperationIr, module: &Module, b: B) -> Result<(), ExportError> {
    match module {
        Module::Conv2d(c) => conv_op!(c, b),
        Module::Conv1d(c) => conv_op!(c, b),
        Module::BatchNorm(n) => {
            let x = b.input(&n.x)?;
            let (gamma, beta) = (b.input(&n.gamma)?, b.input(&n.beta)?);
            let (mean, var) = (b.input(&n.mean)?, b.input(&n.variance)?);
            let out = b.output(&n.out);
            let eps = ("epsilon", Attr::Float(scalar_value(&n.epsilon) as f32));
            b.node(
                "BatchNormalization",
                [x, gamma, beta, mean, var],
                [out],
                [eps],
            );
        }
        Module::LayerNorm(n) => {
            let x = b.input(&n.input)?;
            let gamma = b.input(&n.gamma)?;
            let out = b.output(&n.out);
            let attrs = [
                ("axis", Attr::Int(-1)),
                ("epsilon", Attr::Float(scalar_value(&n.epsilon) as f32)),
            ];
            match &n.beta {
                Some(beta) => {
                    let beta = b.input(beta)?;
                    b.node("LayerNormalization", [x, gamma, beta], [out], attrs);
                }
                None => b.node("LayerNormalization", [x, gamma], [out], attrs),
            }
        }
        Module::Linear(l) => {
            // Burn's weight is `[d_in, d_out]`: `x · W (+ b)`.
            let (x, w) = (b.input(&l.x)?, b.input(&l.weight)?);
            match &l.bias {
                Some(bias) => {
                    let product = b.temp();
                    b.node("MatMul", [x, w], [product.clone()], []);
                    let bias = b.input(bias)?;
                    let out = b.output(&l.out);
                    b.node("Add", [product, bias], [out], []);
                }
                None => {
                    let out = b.output(&l.out);
                    b.node("MatMul", [x, w], [out], []);
                }
            }
        }
        Module::Embedding(e) => {
            let (w, i) = (b.input(&e.weights)?, b.input(&e.indices)?);
            let out = b.output(&e.out);
            b.node("Gather", [w, i], [out], [("axis", Attr::Int(0))]);
        }
        Module::AvgPool2d(p) => pool(
            ("AveragePool", &p.x, &p.out),
            (&p.kernel_size, &p.stride, &p.padding, p.ceil_mode),
            ("count_include_pad", Attr::Int(p.count_include_pad as i64)),
            b,
        )?,
        Module::AvgPool1d(p) => pool(
            ("AveragePool", &p.x, &p.out),
            (&[p.kernel_size], &[p.stride], &[p.padding], p.ceil_mode),
            ("count_include_pad", Attr::Int(p.count_include_pad as i64)),
            b,
        )?,
        Module::MaxPool2d(p) => pool(
            ("MaxPool", &p.x, &p.out),
            (&p.kernel_size, &p.stride, &p.padding, p.ceil_mode),
            ("dilations", ints(&p.dilation)),
            b,
        )?,
        Module::MaxPool1d(p) => pool(
            ("MaxPool", &p.x, &p.out),
            (&[p.kernel_size], &[p.stride], &[p.padding], p.ceil_mode),
            ("dilations", ints(&[p.dilation])),
            b,
        )?,
        Module::AdaptiveAvgPool2d(p) => adaptive_avg_pool(op, &p.x, &p.out, b)?,
        Module::AdaptiveAvgPool1d(p) => adaptive_avg_pool(op, &p.x, &p.out, b)?,
        _ => return Err(unsupported(op)),
    }
    Ok(())
}

/// `AveragePool` or `MaxPool` (`op`, input, output) with its window (kernel, strides, the
/// padding of each side, ceil mode) and the attribute only one of them has.
fn pool(
    (onnx, x, out): (&str, &TensorIr, &TensorIr),
    (kernel, stride, padding, ceil): (&[usize], &[usize], &[usize], bool),
    extra: (&str, Attr),
    b: B,
) -> Result<(), ExportError> {
    let both_sides: Vec<usize> = padding.iter().chain(padding).copied().collect();
    let x = b.input(x)?;
    let out = b.output(out);
    let attrs = [
        ("kernel_shape", ints(kernel)),
        ("strides", ints(stride)),
        ("pads", ints(&both_sides)),
        ("ceil_mode", Attr::Int(ceil as i64)),
        extra,
    ];
    b.node(onnx, [x], [out], attrs);
    Ok(())
}

/// Adaptive average pooling: global to size 1, else an `AveragePool` when every input size
/// is a multiple of its output size (the windows are then equal and disjoint); other sizes
/// have overlapping windows of varying size, which ONNX has no operator for.
fn adaptive_avg_pool(
    op: &OperationIr,
    x: &TensorIr,
    out: &TensorIr,
    b: B,
) -> Result<(), ExportError> {
    let inner = &x.shape[2..];
    let outer = &out.shape[2..];
    if outer.iter().all(|&o| o == 1) {
        let input = b.input(x)?;
        let pooled = b.temp();
        b.node("GlobalAveragePool", [input], [pooled.clone()], []);
        reshape_to(pooled, out, b);
        return Ok(());
    }
    if inner.iter().zip(outer).any(|(&i, &o)| o == 0 || i % o != 0) {
        let mut e = unsupported(op);
        if let ExportError::Unsupported { why, .. } = &mut e {
            *why = format!("adaptive pooling from {inner:?} to {outer:?} has unequal windows");
        }
        return Err(e);
    }
    let window: Vec<i64> = inner
        .iter()
        .zip(outer)
        .map(|(&i, &o)| (i / o) as i64)
        .collect();
    let input = b.input(x)?;
    let out = b.output(out);
    let attrs = [
        ("kernel_shape", Attr::Ints(window.clone())),
        ("strides", Attr::Ints(window)),
    ];
    b.node("AveragePool", [input], [out], attrs);
    Ok(())
}
