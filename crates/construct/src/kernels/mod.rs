//! Kernels modnas adds to Burn's backends through its extension mechanism.

// The extension routes to burn-tch, which Burn deprecates; modnas keeps it behind `tch`.
#[allow(deprecated)]
mod depthwise;
#[cfg(feature = "flex")]
mod depthwise_flex;
mod depthwise_host;
#[cfg(feature = "tch")]
mod depthwise_tch;

pub use depthwise::*;
pub use depthwise_host::*;
