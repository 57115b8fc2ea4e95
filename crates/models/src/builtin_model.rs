//! How a built-in network registers: its config is the `args` table's type, and the data's
//! shape fills the fields that the table does not set.

/// Registers a built-in model: its doc comment, its name and its config type with the fields
/// the data's shape fills (`field: ModelInput field`), then built on the run's device.
macro_rules! register_builtin_model {
    (
        $(#[doc = $about:expr])* $name:literal,
        $config:ident { $($field:ident: $from:ident),* $(,)? }
    ) => {
        modnas_construct::register_model!(
            $(#[doc = $about])* $name, |config: $config, input, device| {
                let config = $config { $($field: input.$from,)* ..config };
                Ok(modnas_construct::NetBox::new("", config.init(device)?))
            }
        );
    };
}

pub(crate) use register_builtin_model;
