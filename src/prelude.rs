//! What a model file needs: Burn's `Module`, `Tensor` and `Device`, the `Slot` a model puts
//! where it searches, the traits and types of a candidate, and the registration macros.
//!
//! ```
//! use modnas::prelude::*;
//!
//! #[derive(Module, Debug)]
//! struct Net {
//!     body: Slot,
//! }
//!
//! impl NasModule for Net {
//!     type Input = Tensor<4>;
//!     type Output = Tensor<4>;
//!     fn forward(&self, x: Tensor<4>) -> Tensor<4> {
//!         self.body.forward(x)
//!     }
//!     fn cost(&self, input: &[usize]) -> Cost {
//!         self.body.cost(input)
//!     }
//! }
//!
//! let device = Device::default();
//! let net = Net { body: Slot::new(3, 8, 1) };
//! let c = construct(net, &CandidateSets::uniform(["NC3", "NC5"]), &device).unwrap();
//! assert_eq!(c.space.len(), 1);
//! let y = c.model.forward(Tensor::zeros([1, 3, 8, 8], &device));
//! assert_eq!(y.dims(), [1, 8, 8, 8]);
//! ```

pub use burn::module::Module;
pub use burn::tensor::{Device, Tensor};
pub use modnas_construct::{
    construct, construct_as, register_candidate, register_model, CandidateBox, CandidateSets,
    ConstructError, Constructed, Cost, ModelInput, NasModule, NetBox, Slot, SlotSpec,
};
pub use modnas_param_space::{describe_component, ArchDesc, ParamValue};
