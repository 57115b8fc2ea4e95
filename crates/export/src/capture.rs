//! Recording a module's forward pass with Burn's graph capture.

use crate::ExportError;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use burn_capture::{CaptureBackend, CapturedGraph, TensorId};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A forward pass as Burn's graph capture recorded it: the operations in execution order, the
/// graph's input and output, and the values (weights, constants) the operations read.
#[derive(Clone, Debug)]
pub struct CapturedForward {
    /// The recorded operations and values.
    pub graph: CapturedGraph,
}

/// The id under which the capture device records `tensor`.
fn id<const D: usize>(tensor: &Tensor<D>) -> Result<TensorId, ExportError> {
    tensor
        .clone()
        .try_into_primitive::<CaptureBackend>()
        .map(|primitive| primitive.id())
        .map_err(|_| {
            ExportError::Capture("a tensor of the forward pass left the capture device".into())
        })
}

/// Runs `forward(module, input)` once on Burn's capture device for an input of shape
/// `input_shape` and returns what it recorded. The module is taken in inference mode
/// (`valid()`: batch norm reads its running statistics, dropout is off), and its weights are
/// moved to the capture device, where they become the graph's constants.
///
/// A forward pass that reads a tensor's values on the host (`into_scalar`, `into_data`) has
/// nothing to read while capturing; that, and any other failure inside `forward`, is an
/// [`ExportError::Capture`] that says what happened, not a panic.
pub fn capture_forward<M: Module, const DI: usize, const DO: usize>(
    module: &M,
    input_shape: [usize; DI],
    forward: impl FnOnce(&M, Tensor<DI>) -> Tensor<DO>,
) -> Result<CapturedForward, ExportError> {
    let device = Device::capture();
    let host = Device::default();
    let mut boundary = Ok(());
    let captured = catch_unwind(AssertUnwindSafe(|| {
        device.capture_scope(|scope| {
            let module = module.valid().to_device(&device);
            // A runtime input comes from outside the scope: made on the host, then moved in.
            let input = Tensor::<DI>::zeros(input_shape, &host).to_device(&device);
            let output = forward(&module, input.clone());
            match (id(&input), id(&output)) {
                (Ok(i), Ok(o)) => scope.complete([i], [o]),
                (Err(e), _) | (_, Err(e)) => {
                    boundary = Err(e);
                    scope.complete([], [])
                }
            }
        })
    }));
    let graph = match captured {
        Ok(graph) => graph.map_err(|e| ExportError::Capture(e.to_string()))?,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("the forward pass panicked");
            return Err(ExportError::Capture(message.to_string()));
        }
    };
    boundary?;
    tracing::debug!(
        operations = graph.graph.operations.len(),
        values = graph.values.len(),
        "forward pass captured"
    );
    Ok(CapturedForward { graph })
}
