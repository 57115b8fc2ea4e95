#![warn(missing_docs)]
//! Built-in searchable models, registered by name: `ConvNet`, `DARTSNet`, `NB201Net`,
//! `ResNet`, `MobileNetV2`, `MobileNetV2Elastic`, `HierarchicalNet`, `SimpleCellNet`.

mod conv_bn;
mod convnet;
mod darts_aux;
mod darts_net;
mod head;
mod hierarchical;
mod mobilenet_v2;
mod mobilenet_v2_elastic;
mod nb201_net;
mod resnet;
mod simple_cell;

pub use conv_bn::*;
pub use convnet::*;
pub use darts_aux::*;
pub use darts_net::*;
pub use hierarchical::*;
pub use mobilenet_v2::*;
pub use mobilenet_v2_elastic::*;
pub use nb201_net::*;
pub use resnet::*;
pub use simple_cell::*;
