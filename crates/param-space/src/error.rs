//! The error type of the parameter-space crate.

use crate::ParamValue;

/// Errors raised by the parameter space, its values and the transform routine.
#[derive(Debug, thiserror::Error)]
pub enum ParamSpaceError {
    /// A parameter with this name is already in the space.
    #[error("parameter `{0}` is already defined")]
    Duplicate(String),
    /// No parameter with this name; the known names are listed.
    #[error("unknown parameter `{name}`; known parameters: [{known}]")]
    Unknown {
        /// The name that was looked up.
        name: String,
        /// Comma-separated names of the space.
        known: String,
    },
    /// The value is not allowed for this parameter.
    #[error("invalid value {value} for parameter `{name}`: {reason}")]
    InvalidValue {
        /// Parameter name.
        name: String,
        /// The rejected value.
        value: ParamValue,
        /// What is allowed.
        reason: String,
    },
    /// A parameter definition is malformed (empty choices, empty range...).
    #[error("invalid parameter definition: {0}")]
    InvalidDefinition(String),
    /// A tensor parameter has no discrete value to read or set.
    #[error("parameter `{0}` is a tensor parameter and has no discrete value")]
    NotDiscrete(String),
    /// A transform handler failed.
    #[error("transform handler `{handler}` failed on update of [{params}]: {source}")]
    Handler {
        /// Name the handler was registered with.
        handler: String,
        /// Names of the updated parameters the handler was called for.
        params: String,
        /// The handler's error.
        #[source]
        source: HandlerError,
    },
}

/// The error a transform handler returns.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;
