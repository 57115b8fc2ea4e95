//! Built-in candidates, registered by name: `NC3/5/7`, `SC3/5/7`, `DC3/5`, `AVG`, `MAX`,
//! `IDT`, `NIL`, `MB{3,5,7}E{1,3,6}`.

mod conv_bn_relu;
mod conv_layer;
mod identity;
mod mbconv;
mod pool;
mod sep_conv;
mod zero;

pub use conv_bn_relu::*;
pub use conv_layer::*;
pub use identity::*;
pub use mbconv::*;
pub use pool::*;
pub use sep_conv::*;
pub use zero::*;
