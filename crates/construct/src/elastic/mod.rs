//! Elastic layers (OFA, BigNAS; paper, Appendix D): groups whose width or depth follows an
//! architecture parameter, through handles the construct routine binds to the space.

mod conv2d;
mod conv_bn;
mod handle;
mod linear;
mod sequential;
mod spatial;
mod transformer;

pub use conv2d::*;
pub use conv_bn::*;
pub use handle::*;
pub use linear::*;
pub use sequential::*;
pub use spatial::*;
pub use transformer::*;
