//! Two argument types in one `args` table: a component's own keys beside keys it shares with
//! others (a searching estimator's budget and objective, Hyperband's brackets beside BOHB's
//! models). serde's `flatten` cannot refuse unknown keys, so the table is split by the shared
//! type's schema, the type that is deserialized, and each half parsed with unknown keys
//! refused.
//!
//! ```
//! use modnas_core::{deserialize_args, Merged};
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! struct Budget { trials: usize }
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! struct Own { epochs: usize }
//!
//! let table: toml::Table = toml::from_str("epochs = 2\ntrials = 5").unwrap();
//! let args: Merged<Own, Budget> = deserialize_args(&table).unwrap();
//! assert_eq!((args.own.epochs, args.shared.trials), (2, 5));
//! let typo: toml::Table = toml::from_str("epoch = 2\ntrials = 5").unwrap();
//! let err = deserialize_args::<Merged<Own, Budget>>(&typo).err().unwrap();
//! assert!(err.contains("epoch") && err.contains("(shared keys: trials)"), "{err}");
//! ```

use crate::deserialize_args;
use schemars::JsonSchema;
use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};

/// A component's own arguments `T` and the shared arguments `S` of one table; the keys `S`'s
/// schema lists are `S`'s, every other key is `T`'s (so an unknown key is refused by `T`,
/// with `S`'s keys named beside `T`'s).
#[derive(Clone, Debug, PartialEq, JsonSchema)]
pub struct Merged<T, S> {
    /// The component's own keys.
    #[serde(flatten)]
    pub own: T,
    /// The shared keys.
    #[serde(flatten)]
    pub shared: S,
}

/// The top-level keys of `T`'s schema, in its order.
pub fn schema_keys<T: JsonSchema>() -> Vec<String> {
    let schema = schemars::schema_for!(T);
    (schema.as_value().get("properties"))
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

impl<'de, T: DeserializeOwned, S: DeserializeOwned + JsonSchema> Deserialize<'de> for Merged<T, S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        let shared_keys = schema_keys::<S>();
        let (shared, own): (toml::Table, toml::Table) =
            (table.into_iter()).partition(|(k, _)| shared_keys.iter().any(|s| s == k));
        let shared = deserialize_args::<S>(&shared).map_err(D::Error::custom)?;
        let own = deserialize_args::<T>(&own).map_err(|reason| {
            D::Error::custom(format!(
                "{reason} (shared keys: {})",
                shared_keys.join(", ")
            ))
        })?;
        Ok(Self { own, shared })
    }
}
