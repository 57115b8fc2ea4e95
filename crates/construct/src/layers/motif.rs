//! `Motif0` … `Motif7`: the level-2 motifs of the hierarchical space (Liu et al. 2018) as
//! candidates. A motif is a dense DAG ([`DAGLayer`]) whose edges are slots over level-1
//! primitives; motif `k`'s edge `i` is bound to the parameter `motif{k}.e{i}`, so every copy
//! of a motif, in every cell, shares one architecture. The construct routine fills the
//! edges, because candidates may hold slots.
//!
//! The slot's spec sets the shape: `motif_nodes` (nodes counting input and output, default 5)
//! and `motif_candidates` (the primitives, default [`LEVEL1_PRIMITIVES`]).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, Slot, SlotSpec, CANDIDATES_KEY};
//! let device = Device::default();
//! let spec = SlotSpec::new(4, 4, 1)
//!     .with_arg(CANDIDATES_KEY, toml::Value::Array(vec!["Motif0".into(), "Motif1".into()]))
//!     .with_arg("motif_nodes", 3)
//!     .with_arg("motif_candidates", toml::Value::Array(vec!["IDT".into(), "NC1".into()]));
//! let slot = Slot::from_spec(spec);
//! let c = construct(slot, &CandidateSets::mixed("DARTSMixedOp", Vec::<String>::new()), &device).unwrap();
//! // One α over the motifs, and one per motif edge (3 edges in a 3-node motif).
//! assert_eq!(c.space.len(), 1 + 2 * 3);
//! assert_eq!(c.model.forward(Tensor::zeros([1, 4, 5, 5], &device)).dims(), [1, 4, 5, 5]);
//! ```

use crate::{
    register_candidate, CandidateBox, ConstructError, Cost, DAGLayer, DagOutput, NasModule,
    SlotSpec, CANDIDATES_KEY,
};
use burn::module::Module;
use burn::tensor::{Device, Tensor};

/// The level-1 primitives of Liu et al. 2018 as NASLib builds them: zero, identity, 3×3 max
/// and average pooling, 3×3 separable, 3×3 depthwise and 1×1 convolutions.
pub const LEVEL1_PRIMITIVES: [&str; 7] = ["NIL", "IDT", "MAX", "AVG", "SC3", "DWC3", "NC1"];

/// `SlotSpec::extra` key: nodes of a motif, input and output included.
pub const MOTIF_NODES_KEY: &str = "motif_nodes";
/// `SlotSpec::extra` key: the candidates of a motif's edges.
pub const MOTIF_CANDIDATES_KEY: &str = "motif_candidates";

/// A motif: a dense DAG from one input to its last node.
#[derive(Module, Debug)]
pub struct Motif {
    dag: DAGLayer,
}

impl Motif {
    /// Motif `index` for `spec` (which must keep its shape): edges are slots bound to
    /// `motif{index}.e{i}`, choosing from the spec's `motif_candidates`.
    pub fn new(index: usize, spec: &SlotSpec) -> Result<Self, ConstructError> {
        if spec.c_in != spec.c_out || spec.stride != 1 {
            return Err(ConstructError::InvalidSpec(format!(
                "a motif keeps its shape, but the slot maps {} to {} channels at stride {}",
                spec.c_in, spec.c_out, spec.stride
            )));
        }
        let nodes = match spec.extra.get(MOTIF_NODES_KEY) {
            None => 5,
            Some(toml::Value::Integer(n)) if *n >= 2 => *n as usize,
            Some(other) => {
                return Err(ConstructError::InvalidSpec(format!(
                    "`{MOTIF_NODES_KEY}` must be an integer of at least 2, got {other}"
                )))
            }
        };
        let primitives = spec
            .extra
            .get(MOTIF_CANDIDATES_KEY)
            .cloned()
            .unwrap_or_else(|| toml::Value::Array(LEVEL1_PRIMITIVES.map(Into::into).to_vec()));
        let names: Vec<String> = (0..nodes * (nodes - 1) / 2)
            .map(|i| format!("motif{index}.e{i}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let dag = DAGLayer::new(1, nodes - 1, spec.c_in, false, DagOutput::Last, None)
            .with_edge_params(&names)
            .with_edge_arg(CANDIDATES_KEY, primitives);
        Ok(Self { dag })
    }
}

impl NasModule for Motif {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.dag.forward(vec![x])
    }
    fn cost(&self, input: &[usize]) -> Cost {
        self.dag.cost(&[input.to_vec()])
    }
}

macro_rules! motifs {
    ($($index:literal => $name:literal, $f:ident;)*) => {$(
        fn $f(s: &SlotSpec, _d: &Device) -> Result<CandidateBox, ConstructError> {
            Ok(CandidateBox::new($name, Motif::new($index, s)?))
        }
        register_candidate!(
            #[doc = concat!("hierarchical-space motif ", $index, ": a dense DAG of slots over primitives")]
            $name, $f
        );
    )*};
}

motifs! {
    0 => "Motif0", motif0;
    1 => "Motif1", motif1;
    2 => "Motif2", motif2;
    3 => "Motif3", motif3;
    4 => "Motif4", motif4;
    5 => "Motif5", motif5;
    6 => "Motif6", motif6;
    7 => "Motif7", motif7;
}

/// How many motifs are registered (`Motif0` … `Motif7`).
pub const MAX_MOTIFS: usize = 8;
