//! Elastic layers (OFA, BigNAS; paper, Appendix D): groups whose width or depth follows an
//! architecture parameter, through handles the construct routine binds to the space.

mod conv2d;
mod conv_bn;
mod handle;
mod linear;
mod sequential;
mod spatial;
mod transformer;

pub use conv2d::ElasticConv2d;
pub use conv_bn::{ElasticConvBn, ElasticRole};
pub use handle::{elastic_handles, ElasticHandle};
pub use linear::ElasticLinear;
pub use sequential::ElasticSequentialGroup;
pub use spatial::{ChannelOrder, ElasticSpatialGroup};
pub use transformer::ElasticEncoderLayer;
