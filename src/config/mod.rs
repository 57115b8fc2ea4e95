//! The TOML configuration: its sections, the checks that run before a search, and backend
//! selection.

mod backend;
pub(crate) mod base;
pub(crate) mod validate;

pub use backend::{compiled_devices, BackendConfig, DEVICE_NAMES};
pub use base::{
    Component, Config, ConstructConfig, EstimConfig, MetricSpec, SpaceConfig, SPACE_PRESETS,
};
