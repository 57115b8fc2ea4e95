//! Cost derivation that reports instead of panicking: [`try_cost`] runs a network's
//! [`NasModule::cost`] and turns a shape it cannot follow — a layer handed an input of another
//! rank or width than it takes — into [`ConstructError::Cost`], which names the network, the
//! field (through the fields `#[derive(NasModule)]` was counting) and the input shape.
//!
//! Layer costs index their input shapes as the layers' forward passes would; rather than
//! guard every index of every layer and candidate (a user's included), the derivation runs
//! under `catch_unwind`, with the panic message kept off stderr for that thread only.
//!
//! ```
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{try_cost, LayerCost, NasModule, Cost};
//!
//! #[derive(burn::module::Module, Debug)]
//! struct Head { fc: Linear }
//! impl NasModule for Head {
//!     type Input = Tensor<2>;
//!     type Output = Tensor<2>;
//!     fn forward(&self, x: Tensor<2>) -> Tensor<2> { self.fc.forward(x) }
//!     fn cost(&self, input: &[usize]) -> Cost { self.fc.layer_cost(input) }
//! }
//! let head = Head { fc: LinearConfig::new(8, 2).init(&Device::default()) };
//! assert_eq!(try_cost(&head, &[4, 8]).unwrap().output, [4, 2]);
//! let err = try_cost(&head, &[4, 5]).unwrap_err().to_string();
//! assert!(err.contains("Head") && err.contains("[4, 5]"), "{err}");
//! ```

use crate::{ConstructError, Cost, LayerCost, NasModule};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

/// One field being counted: the model's type, the field, the field's input shape.
type Step = (&'static str, &'static str, Vec<usize>);

thread_local! {
    /// The fields being counted, outermost first. A panic leaves it as it was at the panic,
    /// which is what the error reports.
    static TRACE: RefCell<Vec<Step>> = const { RefCell::new(Vec::new()) };
    /// Set while [`try_cost`] runs: the panic hook stays silent on this thread.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// The cost of `layer` on `input`, as field `field` of the model `model`, traced so that
/// [`try_cost`] can name the field where the derivation fails. `#[derive(NasModule)]` calls
/// it for every field.
pub fn traced_layer_cost<L: LayerCost + ?Sized>(
    model: &'static str,
    field: &'static str,
    layer: &L,
    input: &[usize],
) -> Cost {
    TRACE.with(|t| t.borrow_mut().push((model, field, input.to_vec())));
    let cost = layer.layer_cost(input);
    TRACE.with(|t| t.borrow_mut().pop());
    cost
}

/// The cost of `model` for an input of shape `input`; a shape the derivation cannot follow
/// is an error that names the model, the innermost field being counted and its input shape.
pub fn try_cost<M: NasModule>(model: &M, input: &[usize]) -> Result<Cost, ConstructError> {
    try_cost_of(std::any::type_name::<M>(), input, || model.cost(input))
}

/// [`try_cost`] of any cost derivation: `cost` computes the cost of `model` (a type name)
/// for `input`.
pub(crate) fn try_cost_of(
    model: &str,
    input: &[usize],
    cost: impl FnOnce() -> Cost,
) -> Result<Cost, ConstructError> {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    TRACE.with(|t| t.borrow_mut().clear());
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(cost));
    QUIET.with(|q| q.set(was_quiet));
    let trace = TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()));
    result.map_err(|panic| {
        let reason = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("the layer's cost panicked");
        let (at, shape) = match trace.last() {
            Some((_, _, shape)) => (path(&trace), shape.clone()),
            None => (short(model).to_string(), input.to_vec()),
        };
        ConstructError::Cost {
            at,
            input: shape,
            reason: reason.to_string(),
        }
    })
}

/// `Net.encoder → Encoder.embed`: each traced field with its model's short type name.
fn path(trace: &[Step]) -> String {
    trace
        .iter()
        .map(|(model, field, _)| format!("{}.{field}", short(model)))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The last segment of a type path, generics kept.
fn short(type_name: &str) -> &str {
    let end = type_name.find('<').unwrap_or(type_name.len());
    match type_name[..end].rfind("::") {
        Some(i) => &type_name[i + 2..],
        None => type_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2d, Conv2dConfig};
    use burn::tensor::{Device, Tensor};

    #[derive(burn::module::Module, Debug)]
    struct TwoConvs {
        first: Conv2d,
        second: Conv2d,
    }

    impl NasModule for TwoConvs {
        type Input = Tensor<4>;
        type Output = Tensor<4>;
        fn forward(&self, x: Tensor<4>) -> Tensor<4> {
            self.second.forward(self.first.forward(x))
        }
        fn cost(&self, input: &[usize]) -> Cost {
            let first = traced_layer_cost("TwoConvs", "first", &self.first, input);
            let next = traced_layer_cost("TwoConvs", "second", &self.second, &first.output);
            first.then(next)
        }
    }

    fn net() -> TwoConvs {
        let device = Device::default();
        TwoConvs {
            first: Conv2dConfig::new([3, 4], [3, 3]).init(&device),
            second: Conv2dConfig::new([4, 4], [3, 3]).init(&device),
        }
    }

    #[test]
    fn a_followable_shape_costs_as_the_model_says() {
        let net = net();
        assert_eq!(
            try_cost(&net, &[1, 3, 8, 8]).unwrap(),
            net.cost(&[1, 3, 8, 8])
        );
    }

    #[test]
    fn a_shape_the_fields_cannot_take_names_the_model_and_field() {
        let err = try_cost(&net(), &[1, 3]).unwrap_err().to_string();
        assert!(
            err.contains("TwoConvs.first") && err.contains("[1, 3]"),
            "{err}"
        );
        // The trace is cleared: the next derivation succeeds and reports nothing stale.
        assert!(try_cost(&net(), &[1, 3, 8, 8]).is_ok());
    }

    #[test]
    fn short_names_drop_the_module_path() {
        assert_eq!(short("my_crate::model::Net<f32>"), "Net<f32>");
        assert_eq!(short("Net"), "Net");
    }
}
