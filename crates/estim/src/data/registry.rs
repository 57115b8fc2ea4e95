//! Data sources registered by name for `[data] type` — modnas's own (`builtin.rs`) and a
//! user crate's alike: `register_data!` with a closure from its arguments and the seed to the
//! whole labelled set (an [`ImageDataset`]; tabular rows are `[features, 1, 1]` images). modnas takes the
//! split keys — `valid_ratio` (default 0.2), `limit`, `normalize`, `test_ratio` — out of the
//! arguments first, so the source sees only its own. [`ImageDataset::from_dataset`] builds the
//! set from a Burn `Dataset`.

use super::ImageDataset;
use crate::EstimError;
use modnas_core::{lookup, registered_names};

/// Loads a registered data source from its own TOML arguments and the run's seed.
pub type DataBuildFn = fn(&toml::Table, u64) -> Result<ImageDataset, EstimError>;

modnas_core::registry_entry!(
    /// A registered data source.
    DataEntry, "data", DataBuildFn
);

/// Registers a data source: its doc comment (what `modnas list --detail` says of it), its name
/// and a closure from its argument type (its own keys, after modnas took the split keys out;
/// errors name the source) and the run's seed to the whole labelled set:
/// `register_data!(/// what it is\n "MyData", |args: MyDataArgs, seed| load(args, seed));`.
#[macro_export]
macro_rules! register_data {
    ($(#[doc = $about:expr])* $name:literal, |$a:tt : $args:ty, $seed:tt| $body:expr) => {
        $crate::__core::submit_component!(
            $crate::data::DataEntry, $name, [$($about),*], $args,
            |table, $seed| {
                let $a: $args = $crate::parse_args($name, table)?;
                $body
            }
        );
    };
}

/// Every data source `[data] type` accepts, sorted.
pub fn data_names() -> Vec<&'static str> {
    registered_names::<DataEntry>()
}

/// The registered source `name`, or an error that lists every known one.
pub(crate) fn registered(name: &str) -> Result<DataBuildFn, EstimError> {
    lookup::<DataEntry>(name)
        .map(|e| e.build)
        .map_err(|_| EstimError::InvalidArgs {
            component: "data".into(),
            reason: format!(
                "unknown data type `{name}`; known: [{}]",
                data_names().join(", ")
            ),
        })
}
