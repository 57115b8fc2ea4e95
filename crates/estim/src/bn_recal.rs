//! Batch-norm recalibration (SPOS's "BN sanitization"): the running statistics of every
//! batch-norm layer of a model are recomputed from the data of one forward pass, so that a
//! subnet sampled from a supernet is evaluated with statistics of its own paths.
//!
//! Burn's `BatchNorm` folds batch statistics into its running ones with a momentum that a
//! visitor cannot read. Two training-mode forward passes from two known starting points
//! (zeros, then ones) solve for both: after a pass, `r = (1 − m)·r₀ + m·b`, so
//! `m = 1 − (r₁ − r₀′)` and `b = r₀′ / m`, where `r₀′` is the result from zeros. Layers the
//! forward pass did not reach (inactive candidates) keep their statistics.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

fn is_running(stack: &[String]) -> bool {
    matches!(
        stack.last().map(String::as_str),
        Some("running_mean" | "running_var")
    )
}

struct Collect {
    stack: Vec<String>,
    found: Vec<Tensor<1>>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.stack.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.stack.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if is_running(&self.stack) {
            let t = param.val();
            let n = t.shape().num_elements();
            self.found.push(t.reshape([n]));
        }
    }
}

struct Replace<F: FnMut(usize, Tensor<1>) -> Tensor<1>> {
    stack: Vec<String>,
    index: usize,
    f: F,
}

impl<F: FnMut(usize, Tensor<1>) -> Tensor<1>> ModuleMapper for Replace<F> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.stack.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.stack.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if !is_running(&self.stack) {
            return param;
        }
        let i = self.index;
        self.index += 1;
        let f = &mut self.f;
        param.map(|t| {
            let dims = t.dims();
            let n = t.shape().num_elements();
            f(i, t.reshape([n])).reshape(dims)
        })
    }
}

/// The running statistics of every batch-norm layer of `model`, in traversal order.
pub fn running_stats<M: Module>(model: &M) -> Vec<Tensor<1>> {
    // `valid()` folds pending per-thread updates into the stored values.
    let _ = model.valid();
    let mut c = Collect {
        stack: vec![],
        found: vec![],
    };
    model.visit(&mut c);
    c.found
}

fn replace<M: Module>(model: M, f: impl FnMut(usize, Tensor<1>) -> Tensor<1>) -> M {
    model.map(&mut Replace {
        stack: vec![],
        index: 0,
        f,
    })
}

/// Recomputes the running statistics of every batch-norm layer of `model` (built on an
/// autodiff device, in training mode) from the batch that `forward` runs through it; layers
/// that `forward` does not reach keep theirs. No gradients are computed.
pub fn recalibrate_bn<M: Module>(model: M, forward: impl Fn(&M)) -> M {
    let original = running_stats(&model);
    if original.is_empty() {
        return model;
    }
    let model = replace(model, |_, t| t.zeros_like());
    forward(&model);
    let from_zero = running_stats(&model);
    let model = replace(model, |_, t| t.ones_like());
    forward(&model);
    let from_one = running_stats(&model);
    replace(model, |i, _| {
        let m = (from_one[i].clone() - from_zero[i].clone())
            .neg()
            .add_scalar(1.0);
        let reached = m.clone().greater_elem(1e-6);
        let stats = from_zero[i].clone() / m.clamp_min(1e-6);
        stats.mask_where(reached.bool_not(), original[i].clone())
    })
}
