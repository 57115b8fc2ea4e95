//! Built-in searchable models, registered by name: `ConvNet`, `DARTSNet`, `NB201Net`,
//! `ResNet`.

mod convnet;
mod darts_aux;
mod darts_net;
mod head;
mod nb201_net;
mod resnet;

pub use convnet::*;
pub use darts_aux::*;
pub use darts_net::*;
pub use nb201_net::*;
pub use resnet::*;
