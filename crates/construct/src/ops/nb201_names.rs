//! The NAS-Bench-201 operation names, registered as candidates so that an architecture found
//! in the NB201 cell can be looked up in a NB201 table as is: `none` (= `NIL`),
//! `skip_connect` (= `IDT`), `nor_conv_1x1` (= `RCB1`), `nor_conv_3x3` (= `RCB3`),
//! `avg_pool_3x3` (= `AVG`).

use crate::{build_candidate, register_candidate, CandidateBox, ConstructError, SlotSpec};
use burn::tensor::Device;

/// The five NAS-Bench-201 operations, as written in its architecture strings; each is a
/// registered candidate.
pub const NB201_OPS: [&str; 5] = [
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
];

/// The six edges of the NAS-Bench-201 cell, in architecture-string order (node 1 ← 0;
/// node 2 ← 0, 1; node 3 ← 0, 1, 2): the parameter names of its cell and of its tables.
pub const NB201_EDGES: [&str; 6] = [
    "edge_1_0", "edge_2_0", "edge_2_1", "edge_3_0", "edge_3_1", "edge_3_2",
];

/// True for the candidates that output zeros (no edge).
pub fn is_zero_op(name: &str) -> bool {
    name == "NIL" || name == "none"
}

macro_rules! alias {
    ($alias:literal, $target:literal, $f:ident) => {
        fn $f(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
            build_candidate($target, s, d)
        }
        register_candidate!(
            #[doc = concat!("NAS-Bench-201 name of `", $target, "`")]
            $alias,
            $f
        );
    };
}

alias!("none", "NIL", none);
alias!("skip_connect", "IDT", skip_connect);
alias!("nor_conv_1x1", "RCB1", nor_conv_1x1);
alias!("nor_conv_3x3", "RCB3", nor_conv_3x3);
alias!("avg_pool_3x3", "AVG", avg_pool_3x3);
