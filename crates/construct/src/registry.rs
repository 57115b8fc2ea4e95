//! Candidate and model registries: `register_candidate!` and `register_model!`, one
//! declaration next to the type (its sentence, its name and how to build it), from any crate.

use crate::{CandidateBox, ConstructError, NetBox, SlotSpec};
use burn::tensor::Device;
use modnas_core::{lookup, registered_names};

/// Builds a candidate for a slot spec on a device.
pub type CandidateBuildFn = fn(&SlotSpec, &Device) -> Result<CandidateBox, ConstructError>;

modnas_core::registry_entry!(
    /// A registered candidate.
    CandidateEntry, "candidate", CandidateBuildFn
);

/// Registers a candidate: its doc comment (what `modnas list --detail` says of it), its name
/// and its constructor, a [`CandidateBuildFn`]:
///
/// ```
/// use burn::tensor::Device;
/// use modnas_construct::ops::SkipConfig;
/// use modnas_construct::{register_candidate, CandidateBox, ConstructError, SlotSpec};
/// # use modnas_construct::candidate_names;
/// fn my_skip(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError> {
///     Ok(CandidateBox::new("MySkip", SkipConfig::for_spec(spec).init(device)?))
/// }
/// register_candidate!(
///     /// identity, for slots that keep their shape
///     "MySkip", my_skip
/// );
/// assert!(candidate_names().contains(&"MySkip"));
/// ```
#[macro_export]
macro_rules! register_candidate {
    ($(#[doc = $about:expr])* $name:literal, $build:expr) => {
        $crate::__core::submit_component!(
            $crate::CandidateEntry, $name, [$($about),*], None, $build
        );
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

modnas_core::registry_entry!(
    /// A registered model (backbone with slots).
    ModelEntry, "model", ModelBuildFn
);

/// Registers a model: its doc comment (what `modnas list --detail` says of it), its name and a
/// closure from its config type (what its `[model.args]` deserialize into, whose keys
/// `list --detail` shows), the data's shape and the device to the network:
///
/// ```
/// use burn::tensor::Tensor;
/// use modnas_construct::{nas_config, register_model, Cost, NasModule, NetBox, Slot};
/// # use modnas_construct::model_names;
/// /// One searchable slot, then the mean of each channel as the scores.
/// #[derive(burn::module::Module, Debug)]
/// struct MyNet {
///     slot: Slot,
/// }
/// impl NasModule for MyNet {
///     type Input = Tensor<4>;
///     type Output = Tensor<2>;
///     fn forward(&self, x: Tensor<4>) -> Tensor<2> {
///         self.slot.forward(x).mean_dim(3).mean_dim(2).flatten(1, 3)
///     }
///     fn cost(&self, input: &[usize]) -> Cost {
///         Slot::chain_cost(std::slice::from_ref(&self.slot), input)
///     }
/// }
/// /// How to build `MyNet`.
/// #[nas_config]
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct MyNetConfig {
///     /// Stride of the slot.
///     #[config(default = 1)]
///     stride: usize,
/// }
/// register_model!(
///     /// one slot whose channels are the class scores
///     "MyNet", |config: MyNetConfig, input, _device| {
///         let slot = Slot::new(input.channels, input.classes, config.stride);
///         Ok(NetBox::new("", MyNet { slot }))
///     }
/// );
/// assert!(model_names().contains(&"MyNet"));
/// ```
#[macro_export]
macro_rules! register_model {
    ($(#[doc = $about:expr])* $name:literal,
     |$config:tt : $args:ty, $input:tt, $device:tt| $body:expr) => {
        $crate::__core::submit_component!(
            $crate::ModelEntry, $name, [$($about),*], $args,
            |table, $input, $device| {
                let $config: $args = $crate::model_args($name, table)?;
                $body
            }
        );
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
/// use modnas_construct::{model_args, nas_config, ConstructError};
///
/// #[nas_config]
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct MyNetArgs {
///     #[config(default = 4)]
///     width: usize,
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
    modnas_core::deserialize_args(args).map_err(|reason| ConstructError::InvalidModelArgs {
        model: model.into(),
        reason,
    })
}

/// Names of all registered models, sorted.
pub fn model_names() -> Vec<&'static str> {
    registered_names::<ModelEntry>()
}
