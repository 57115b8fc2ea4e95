//! What a model or task file needs: Burn's `Module`, `Tensor` and `Device`, the `Slot` a model
//! puts where it searches, the traits and types of a candidate and of a task, and the
//! registration macros.
//!
//! `#[derive(NasModule)]` makes a Burn model whose fields run in declaration order a
//! `NasModule`, cost included (each field counted by its `LayerCost`): the model keeps its
//! inherent `forward`, as any Burn model has.
//!
//! ```
//! use modnas::prelude::*;
//!
//! #[derive(Module, Debug, NasModule)]
//! #[nas_module(input = Tensor<4>, output = Tensor<4>)]
//! struct Net {
//!     body: Slot,
//!     tail: Slot,
//! }
//!
//! impl Net {
//!     fn forward(&self, x: Tensor<4>) -> Tensor<4> {
//!         self.tail.forward(self.body.forward(x))
//!     }
//! }
//!
//! let device = Device::default();
//! let net = Net { body: Slot::new(3, 8, 1), tail: Slot::new(8, 8, 2) };
//! let c = construct(net, &CandidateSets::uniform(["NC3", "NC5"]), &device).unwrap();
//! assert_eq!(c.space.len(), 2);
//! let y = c.model.forward(Tensor::zeros([1, 3, 8, 8], &device));
//! assert_eq!(y.dims(), [1, 8, 4, 4]);
//! // Both slots counted, in order: NC3 (the first candidate) 3→8 at 8×8, then 8→8 at 4×4.
//! let cost = NasModule::cost(&c.model, &[1, 3, 8, 8]);
//! assert_eq!(cost.output, vec![1, 8, 4, 4]);
//! ```
//!
//! `#[nas_config]` gives a model the config Burn users expect, which its TOML `[model.args]`
//! deserialize into (see `TinyResNetConfig` in `examples/downstream`).
//!
//! A model whose fields do not run one after another (parallel branches, a field used twice)
//! implements `NasModule` by hand: `forward`, and `cost` from its fields' `LayerCost`s
//! (`docs/own-model.md`).

pub use burn::module::Module;
pub use burn::tensor::{Device, Tensor};
pub use modnas_construct::{
    candidate_serves, construct, construct_as, register_candidate, register_model, CandidateBox,
    CandidateSets, ChannelOrder, ConstructError, Constructed, Cost, ElasticConv2d,
    ElasticEncoderLayer, ElasticHandle, ElasticLinear, InputChoice, ModelInput, NasModule, NetBox,
    SeqMask, Signature, Slot, SlotSpec, ValueChoice,
};
pub use modnas_core::MetricMap;
/// `#[nas_config]`: a Burn-style config (`new`, `with_*`) that a model's TOML args deserialize
/// into, defaults filled and unknown keys refused by the struct's own serde derive.
pub use modnas_derive::nas_config;
/// `#[derive(NasModule)]`: see the module documentation.
pub use modnas_derive::NasModule;
/// What a task file needs besides its model: the [`Task`] trait, its
/// batches and registration (`docs/own-task.md`).
pub use modnas_estim::{
    learner_fit_batches, register_task, Batches, ClassificationScores, EstimError,
    LearnerTrainerArgs, RegressionScores, Task, TaskData,
};
pub use modnas_param_space::{ArchDesc, ParamValue};
