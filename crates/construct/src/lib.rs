#![warn(missing_docs)]
//! Construct and transform routines of modnas: [`Slot`]s in user models, the candidate and
//! model registries, type-erased modules ([`DynModule`]) and the built-in candidates.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, Slot};
//! use modnas_param_space::ArchDesc;
//!
//! #[derive(Module, Debug)]
//! struct Net {
//!     convs: Vec<Slot>,
//! }
//!
//! # fn main() -> Result<(), modnas_construct::ConstructError> {
//! let device = Device::default();
//! let net = Net { convs: vec![Slot::new(1, 4, 1), Slot::new(4, 4, 1)] };
//! let mut c = construct(net, &CandidateSets::uniform(["NC3", "NC5", "NC7"]), &device)?;
//! assert_eq!(c.space.names().collect::<Vec<_>>(), ["convs.0", "convs.1"]);
//! c.apply(&[("convs.1", "NC7")].into_iter().collect::<ArchDesc>())?;
//! let y = c.model.convs.iter().fold(Tensor::zeros([1, 1, 8, 8], &device), |x, s| s.forward(x));
//! assert_eq!(y.dims(), [1, 4, 8, 8]);
//! # Ok(())
//! # }
//! ```

mod bridge;
mod construct;
mod dyn_module;
mod elastic;
mod error;
mod export;
mod fill;
mod handlers;
mod layers;
mod map_in_place;
mod mixed;
mod nas_module;
/// The built-in candidates.
pub mod ops;
mod probe;
mod registry;
mod slot;

pub use bridge::{DynMapper, DynVisitor, ParamOwned, ParamRef};
pub use construct::*;
pub use dyn_module::*;
pub use elastic::*;
pub use error::*;
pub use export::*;
pub use handlers::{bind_elastic, set_slot_entity};
pub use layers::*;
pub use map_in_place::map_in_place;
pub use mixed::*;
pub use nas_module::*;
pub use probe::*;
pub use registry::*;
pub use slot::*;

#[doc(hidden)]
pub use inventory;
/// Kernels added to Burn's backends (the `modnas-kernels` crate): the built-in candidates'
/// depthwise and 1×1 convolutions and batch norm.
pub use modnas_kernels as kernels;
