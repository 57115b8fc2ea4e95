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

// Built-in candidates derive `NasModule` with `#[nas_module(crate = modnas_construct)]`, a
// path that names this crate here as in the crates above it.
extern crate self as modnas_construct;

mod bridge;
mod collected_leaf;
mod construct;
mod cost_trace;
mod dyn_module;
pub mod elastic;
mod error;
mod export;
mod fill;
pub mod handlers;
mod input_choice;
mod layer_cost;
pub mod layers;
mod map_in_place;
pub mod mixed;
mod nas_module;
/// The built-in candidates.
pub mod ops;
mod probe;
mod registry;
mod seq_mask;
mod signature;
mod slot;
mod value_choice;

pub use bridge::{DynMapper, DynVisitor, ParamOwned, ParamRef};
pub use construct::{
    construct, construct_as, CandidateSets, Constructed, ARCH_PARAM_KEY, CANDIDATES_KEY,
    EXTRA_CANDIDATES_KEY,
};
pub(crate) use cost_trace::try_cost_of;
pub use cost_trace::{traced_layer_cost, try_cost};
pub use dyn_module::{CandidateBox, DynModule, ErasedModule, NetBox};
pub use elastic::{
    elastic_handles, ChannelOrder, ElasticConv2d, ElasticConvBn, ElasticEncoderLayer,
    ElasticHandle, ElasticLinear, ElasticRole, ElasticSequentialGroup, ElasticSpatialGroup,
};
pub use error::ConstructError;
pub use export::{export_arch, DAG_NODE_KEY, DAG_TOPK_KEY};
pub use handlers::bind_elastic;
pub use input_choice::{InputChoice, MAX_INPUTS};
pub use layer_cost::LayerCost;
pub use layers::{
    BranchMerge, DAGLayer, DagOutput, Motif, MultiBranchLayer, LEVEL1_PRIMITIVES, MAX_MOTIFS,
    MOTIF_CANDIDATES_KEY, MOTIF_NODES_KEY,
};
pub use map_in_place::map_in_place;
pub use mixed::{
    argmax, kind_forward, mixed_op_def, mixed_op_names, MixedForwardFn, MixedHandle, MixedKind,
    MixedOp, MixedOpDef, MixedOpEntry,
};
pub use nas_module::{f32_bytes, Cost, NasModule, AUXILIARY_FIELD};
pub use probe::{probe_slots, SlotProbe};
pub use registry::{
    build_candidate, build_model, candidate_names, model_args, model_names, CandidateBuildFn,
    CandidateEntry, ModelBuildFn, ModelEntry, ModelInput,
};
pub use seq_mask::{current_seq_mask, SeqMask};
pub use signature::{
    candidate_serves, candidates_serving, pack_dense, pack_sequence, unpack_dense, unpack_sequence,
    CandidateSignature, Signature,
};
pub use slot::{edit_slots, list_slots, visit_slots, Slot, SlotInfo, SlotSpec};
pub use value_choice::{value_choices, ValueChoice};

/// Makes a struct a Burn-style config whose serde form fills defaulted fields (the configs of
/// the built-in models and candidates use it).
pub use modnas_derive::nas_config;

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use modnas_core as __core;
/// Kernels added to Burn's backends (the `modnas-kernels` crate): the built-in candidates'
/// depthwise and 1×1 convolutions and batch norm.
pub use modnas_kernels as kernels;
