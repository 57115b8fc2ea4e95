//! The mixed-operator registry: `register_mixed_op!("NAME", MixedKind::…)` for a built-in
//! combination rule, or `register_mixed_op!("NAME", MixedKind::…, forward = f)` for a forward
//! pass of your own.

use super::{MixedKind, MixedOp};
use crate::ConstructError;
use burn::tensor::Tensor;
use modnas_core::{lookup, registered_names};

/// The forward pass of a mixed operator: its output for `x`, from its candidates
/// ([`MixedOp::run`]) and its handle's α, weights or active paths ([`MixedOp::handle`]).
pub type MixedForwardFn = fn(&MixedOp, Tensor<4>) -> Tensor<4>;

/// A registered mixed operator: how its handle keeps α and samples paths, and its forward pass.
#[derive(Clone, Copy, Debug)]
pub struct MixedOpDef {
    /// What the handle keeps (α or a categorical) and which paths it samples per step.
    pub kind: MixedKind,
    /// The forward pass ([`kind_forward`](super::kind_forward) for the kind's own).
    pub forward: MixedForwardFn,
}

modnas_core::registry_entry!(
    /// A registered mixed operator: its name and definition.
    MixedOpEntry, "mixed op", MixedOpDef
);

/// Registers a mixed operator, after its doc comment (what `modnas list --detail` says of it).
/// With a kind alone it combines its candidates by that kind's rule
/// (`register_mixed_op!(/// GDAS again\n "MyGDAS", MixedKind::GumbelMax);`); with
/// `forward = f`, `f` computes its output (a [`MixedForwardFn`]) while the kind decides what
/// the handle keeps and samples:
/// `register_mixed_op!(/// the mean\n "MeanMixedOp", MixedKind::Weighted, forward = mean);`.
#[macro_export]
macro_rules! register_mixed_op {
    ($(#[doc = $about:expr])* $name:literal, $kind:expr) => {
        $crate::register_mixed_op!(
            $(#[doc = $about])* $name, $kind, forward = $crate::kind_forward
        );
    };
    ($(#[doc = $about:expr])* $name:literal, $kind:expr, forward = $forward:expr) => {
        $crate::__core::submit_component!(
            $crate::MixedOpEntry, $name, [$($about),*], None,
            $crate::MixedOpDef { kind: $kind, forward: $forward }
        );
    };
}

/// The mixed operator registered as `name`.
pub fn mixed_op_def(name: &str) -> Result<MixedOpDef, ConstructError> {
    Ok(lookup::<MixedOpEntry>(name)?.build)
}

/// Names of all registered mixed operators, sorted.
pub fn mixed_op_names() -> Vec<&'static str> {
    registered_names::<MixedOpEntry>()
}

crate::register_mixed_op!(
    /// softmax(α)-weighted sum of all candidates (DARTS)
    "DARTSMixedOp", MixedKind::Weighted
);
crate::register_mixed_op!(
    /// Gumbel-softmax-weighted sum (SNAS)
    "GumbelSumMixedOp", MixedKind::GumbelSum
);
crate::register_mixed_op!(
    /// one Gumbel-max sampled path, straight-through gradient (GDAS)
    "GumbelMaxMixedOp", MixedKind::GumbelMax
);
crate::register_mixed_op!(
    /// two sampled paths, binarized gates (ProxylessNAS)
    "BinaryGateMixedOp", MixedKind::BinaryGate
);
crate::register_mixed_op!(
    /// ProxylessNAS gates with uniformly sampled paths
    "BinaryGateUniformMixedOp", MixedKind::BinaryGateUniform
);
crate::register_mixed_op!(
    /// the one path a categorical parameter selects (SPOS; discrete optimizers)
    "IndexMixedOp", MixedKind::Index
);
crate::register_mixed_op!(
    /// a reparameterised Dirichlet(elu(α) + 1) sample weights every candidate (DrNAS)
    "DirichletMixedOp", MixedKind::Dirichlet
);
