//! Candidate and model registries: `register_candidate!("NAME", build_fn)` and
//! `register_model!("NAME", build_fn)`, one line next to the type, from any crate.

use crate::{CandidateBox, ConstructError, NetBox, SlotSpec};
use burn::tensor::Device;
use modnas_param_space::{lookup, registered_names};

/// Builds a candidate for a slot spec on a device.
pub type CandidateBuildFn = fn(&SlotSpec, &Device) -> Result<CandidateBox, ConstructError>;

modnas_param_space::registry_entry!(
    /// A registered candidate.
    CandidateEntry, "candidate", CandidateBuildFn
);

/// Registers a candidate constructor under a name:
/// `register_candidate!("MyOp", my_op_build);` where
/// `fn my_op_build(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError>`.
#[macro_export]
macro_rules! register_candidate {
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::CandidateEntry::new($name, $build) }
    };
}

/// Builds the candidate registered as `name` for `spec` on `device`.
pub fn build_candidate(
    name: &str,
    spec: &SlotSpec,
    device: &Device,
) -> Result<CandidateBox, ConstructError> {
    let entry = lookup::<CandidateEntry>(name)?;
    Ok((entry.build)(spec, device)?.renamed(entry.name))
}

/// Names of all registered candidates, sorted.
pub fn candidate_names() -> Vec<&'static str> {
    registered_names::<CandidateEntry>()
}

/// The shape of the data a model is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelInput {
    /// Image channels.
    pub channels: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
}

/// Builds a searchable network from its TOML arguments.
pub type ModelBuildFn = fn(&toml::Table, &ModelInput, &Device) -> Result<NetBox, ConstructError>;

modnas_param_space::registry_entry!(
    /// A registered model (backbone with slots).
    ModelEntry, "model", ModelBuildFn
);

/// Registers a model constructor under a name.
#[macro_export]
macro_rules! register_model {
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::ModelEntry::new($name, $build) }
    };
}

/// Builds the model registered as `name`.
pub fn build_model(
    name: &str,
    args: &toml::Table,
    input: &ModelInput,
    device: &Device,
) -> Result<NetBox, ConstructError> {
    (lookup::<ModelEntry>(name)?.build)(args, input, device)
}

/// Deserializes the TOML arguments of `model` (its `[model] args`) into `T`; the error names the
/// model, the offending key and what is allowed. A model's build function starts with it:
///
/// ```
/// use modnas_construct::{model_args, ConstructError};
///
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct MyNetArgs {
///     #[serde(default = "four")]
///     width: usize,
/// }
/// fn four() -> usize {
///     4
/// }
///
/// let args: toml::Table = toml::from_str("width = 8").unwrap();
/// assert_eq!(model_args::<MyNetArgs>("MyNet", &args).unwrap().width, 8);
/// let typo: toml::Table = toml::from_str("widht = 8").unwrap();
/// let err = model_args::<MyNetArgs>("MyNet", &typo).err().unwrap();
/// assert!(matches!(err, ConstructError::InvalidModelArgs { .. }));
/// assert!(err.to_string().contains("MyNet") && err.to_string().contains("widht"), "{err}");
/// ```
pub fn model_args<T: serde::de::DeserializeOwned>(
    model: &str,
    args: &toml::Table,
) -> Result<T, ConstructError> {
    modnas_param_space::deserialize_args(args).map_err(|reason| ConstructError::InvalidModelArgs {
        model: model.into(),
        reason,
    })
}

/// Names of all registered models, sorted.
pub fn model_names() -> Vec<&'static str> {
    registered_names::<ModelEntry>()
}
