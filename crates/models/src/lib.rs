#![warn(missing_docs)]
//! Built-in searchable models, registered by name: `ConvNet`, `DARTSNet`, `NB201Net`,
//! `ResNet`, `MobileNetV2`, `MobileNetV2Elastic`, `HierarchicalNet`, `SimpleCellNet`,
//! `RowTransformer`.

mod arch_graph;
mod builtin_model;
mod conv_bn;
pub mod convnet;
mod darts_aux;
pub mod darts_net;
mod head;
pub mod hierarchical;
pub mod mobilenet_v2;
pub mod mobilenet_v2_elastic;
pub mod nb201_net;
pub mod resnet;
pub mod row_transformer;
pub mod simple_cell;

pub use arch_graph::{arch_graphs, ArchGraph, GraphEdge};
pub use conv_bn::ConvBn;
pub use convnet::{ConvNet, ConvNetConfig};
pub use darts_aux::AuxiliaryHead;
pub use darts_net::{DARTSCell, DARTSNet, DARTSNetConfig, DropPathSchedule, DARTS_OPS};
pub use head::Stem;
pub use hierarchical::{HierarchicalNet, HierarchicalNetConfig, HierarchicalShape};
pub use mobilenet_v2::{MobileNetV2, MobileNetV2Config};
pub use mobilenet_v2_elastic::{MobileNetV2Elastic, MobileNetV2ElasticConfig};
pub use nb201_net::{NB201Block, NB201Net, NB201NetConfig, ResReduce, NB201_CANDIDATES};
pub use resnet::{ResBlock, ResNet, ResNetConfig, ResNetSpace};
pub use row_transformer::{RowBlock, RowTransformer, RowTransformerConfig};
pub use simple_cell::{SimpleCellNetConfig, SIMPLE_CELL_OPS};
