#![warn(missing_docs)]
//! Built-in searchable models, registered by name: `ConvNet`, `DARTSNet`, `NB201Net`,
//! `ResNet`, `MobileNetV2`, `MobileNetV2Elastic`, `HierarchicalNet`, `SimpleCellNet`.

mod arch_graph;
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

pub use arch_graph::{arch_graphs, ArchGraph, GraphEdge, CHAIN_NOTE};
pub use conv_bn::ConvBn;
pub use convnet::ConvNet;
pub use darts_aux::AuxiliaryHead;
pub use darts_net::{DARTSCell, DARTSNet, DropPathSchedule, DARTS_OPS};
pub use hierarchical::{HierarchicalNet, HierarchicalShape};
pub use mobilenet_v2::{make_divisible, MobileNetV2};
pub use mobilenet_v2_elastic::MobileNetV2Elastic;
pub use nb201_net::{NB201Block, NB201Net, ResReduce, NB201_CANDIDATES};
pub use resnet::{ResBlock, ResNet, RESNET_EXTENDED, RESNET_KERNELS};
pub use simple_cell::{SimpleCellNet, SIMPLE_CELL_OPS};
