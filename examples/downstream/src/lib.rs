//! A user's components for modnas: a small residual network with three slots
//! ([`TinyResNet`]), a convolution with squeeze-and-excitation as a candidate ([`SEConv`]), a
//! metric that counts those blocks ([`SEBlocksMetric`]) and a coordinate-descent optimizer
//! ([`CoordinateOptim`]). Each registers itself with one line.

mod coordinate_optim;
mod se_blocks_metric;
mod se_conv;
mod tiny_resnet;

pub use coordinate_optim::CoordinateOptim;
pub use se_blocks_metric::SEBlocksMetric;
pub use se_conv::SEConv;
pub use tiny_resnet::{TinyResNet, TinyResNetConfig};
