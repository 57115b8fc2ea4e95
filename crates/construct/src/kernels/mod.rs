//! Kernels modnas adds to Burn's backends through its extension mechanism.

mod depthwise;
#[cfg(feature = "flex")]
mod depthwise_flex;
mod depthwise_host;
#[cfg(feature = "tch")]
mod depthwise_tch;

pub use depthwise::*;
pub use depthwise_host::*;
