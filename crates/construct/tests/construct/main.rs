//! The construct crate's public API: mixed operators, elastic groups, sequence masks and the
//! depthwise kernel.

mod choices;
mod depthwise;
mod elastic;
mod masks;
mod mixed;
mod signatures;
mod user_elastic;
