//! Built-in candidates, registered by name: `NC1/3/5/7`, `DWC3`, `SC3/5/7`, `DC3/5`, `AVG`, `MAX`,
//! `IDT`, `NIL`, `RCB1/3`, `MB{3,5,7}E{1,3,6}`, and the NAS-Bench-201 names.

mod conv_bn_relu;
mod conv_layer;
mod identity;
mod mbconv;
mod nb201_names;
mod pool;
mod relu_conv_bn;
mod sep_conv;
mod zero;

pub use conv_bn_relu::*;
pub use conv_layer::*;
pub use identity::*;
pub use mbconv::*;
pub use nb201_names::*;
pub use pool::*;
pub use relu_conv_bn::*;
pub use sep_conv::*;
pub use zero::*;
