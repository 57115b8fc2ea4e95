//! The mixed-operator registry: `register_mixed_op!("NAME", MixedKind::…)`.

use super::MixedKind;
use crate::ConstructError;
use modnas_param_space::{lookup, registered_names};

modnas_param_space::registry_entry!(
    /// A registered mixed operator: its name and how it combines candidates.
    MixedOpEntry, "mixed op", MixedKind
);

/// Registers a mixed-operator name for a combination rule:
/// `register_mixed_op!("MyGDAS", MixedKind::GumbelMax);`.
#[macro_export]
macro_rules! register_mixed_op {
    ($name:expr, $kind:expr) => {
        $crate::inventory::submit! { $crate::MixedOpEntry::new($name, $kind) }
    };
}

/// The combination rule registered as `name`.
pub fn mixed_op_kind(name: &str) -> Result<MixedKind, ConstructError> {
    Ok(lookup::<MixedOpEntry>(name)?.build)
}

/// Names of all registered mixed operators, sorted.
pub fn mixed_op_names() -> Vec<&'static str> {
    registered_names::<MixedOpEntry>()
}

crate::register_mixed_op!("DARTSMixedOp", MixedKind::Weighted);
crate::register_mixed_op!("GumbelSumMixedOp", MixedKind::GumbelSum);
crate::register_mixed_op!("GumbelMaxMixedOp", MixedKind::GumbelMax);
crate::register_mixed_op!("BinaryGateMixedOp", MixedKind::BinaryGate);
crate::register_mixed_op!("BinaryGateUniformMixedOp", MixedKind::BinaryGateUniform);
crate::register_mixed_op!("IndexMixedOp", MixedKind::Index);
crate::register_mixed_op!("DirichletMixedOp", MixedKind::Dirichlet);

modnas_param_space::describe_component!(
    "mixed op",
    "DARTSMixedOp",
    "softmax(α)-weighted sum of all candidates (DARTS)"
);
modnas_param_space::describe_component!(
    "mixed op",
    "GumbelSumMixedOp",
    "Gumbel-softmax-weighted sum (SNAS)"
);
modnas_param_space::describe_component!(
    "mixed op",
    "GumbelMaxMixedOp",
    "one Gumbel-max sampled path, straight-through gradient (GDAS)"
);
modnas_param_space::describe_component!(
    "mixed op",
    "BinaryGateMixedOp",
    "two sampled paths, binarized gates (ProxylessNAS)"
);
modnas_param_space::describe_component!(
    "mixed op",
    "BinaryGateUniformMixedOp",
    "ProxylessNAS gates with uniformly sampled paths"
);
modnas_param_space::describe_component!(
    "mixed op",
    "IndexMixedOp",
    "the one path a categorical parameter selects (SPOS; discrete optimizers)"
);
modnas_param_space::describe_component!(
    "mixed op",
    "DirichletMixedOp",
    "a reparameterised Dirichlet(elu(α) + 1) sample weights every candidate (DrNAS)"
);
