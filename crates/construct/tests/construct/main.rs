//! The construct crate's public API: mixed operators, elastic groups and the depthwise kernel.

mod choices;
mod depthwise;
mod elastic;
mod mixed;
mod signatures;
mod user_elastic;
