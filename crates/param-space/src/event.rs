//! Parameter-update events.

use crate::ParamValue;

/// Emitted when a parameter's value changes: the paper's "parameter update event".
#[derive(Clone, Debug, PartialEq)]
pub struct ParamUpdate {
    /// Name of the updated parameter.
    pub name: String,
    /// The previous value (`None` for tensor parameters).
    pub old: Option<ParamValue>,
    /// The new value (`None` for tensor parameters, whose values live in the tensor).
    pub new: Option<ParamValue>,
}
