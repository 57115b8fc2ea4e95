//! The error type of the construct crate.

use modnas_core::UnknownName;
use modnas_param_space::ParamSpaceError;

/// Errors raised while building candidates, models and search spaces.
#[derive(Debug, thiserror::Error)]
pub enum ConstructError {
    /// No candidate or model registered under this name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// A per-slot candidate set names a slot the model does not have.
    #[error("unknown slot `{name}` in candidate sets; the model's slots: [{known}]")]
    UnknownSlot {
        /// The slot key in the configuration.
        name: String,
        /// Comma-separated slot keys of the model.
        known: String,
    },
    /// A slot has an empty candidate set.
    #[error("slot `{0}` has no candidates: give `candidates` or a per-slot list")]
    NoCandidates(String),
    /// A slot spec cannot be built into the candidate (bad channels, stride...).
    #[error("invalid slot spec: {0}")]
    InvalidSpec(String),

    /// A candidate does not serve the slot's signature.
    #[error("slot `{slot}` takes {signature} tensors, which candidate `{candidate}` does not serve (it serves [{serves}]); candidates for {signature} slots: [{known}]")]
    SignatureMismatch {
        /// The slot's path.
        slot: String,
        /// The slot's signature.
        signature: crate::Signature,
        /// The candidate.
        candidate: String,
        /// What the candidate serves.
        serves: String,
        /// The candidates that serve the slot's signature.
        known: String,
    },
    /// Model arguments are malformed.
    #[error("invalid arguments for model `{model}`: {reason}")]
    InvalidModelArgs {
        /// Model name.
        model: String,
        /// What is wrong.
        reason: String,
    },
    /// A network's cost cannot be derived: a layer was handed a shape it does not take.
    #[error("cannot derive the cost at {at} for an input of shape {input:?}: {reason}")]
    Cost {
        /// The model and field (`Net.encoder → Encoder.embed`), or the model alone.
        at: String,
        /// The shape handed to it.
        input: Vec<usize>,
        /// What went wrong.
        reason: String,
    },
    /// The parameter space rejected a definition or value.
    #[error(transparent)]
    ParamSpace(#[from] ParamSpaceError),
}
