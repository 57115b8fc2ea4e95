//! The NAS-Bench-201 operation names, registered as candidates so that an architecture found
//! in the NB201 cell can be looked up in a NB201 table as is: `none` (= `NIL`),
//! `skip_connect` (= `IDT`), `nor_conv_1x1` (= `RCB1`), `nor_conv_3x3` (= `RCB3`),
//! `avg_pool_3x3` (= `AVG`).

use crate::{build_candidate, register_candidate, CandidateBox, ConstructError, SlotSpec};
use burn::tensor::Device;

/// True for the candidates that output zeros (no edge).
pub fn is_zero_op(name: &str) -> bool {
    name == "NIL" || name == "none"
}

macro_rules! alias {
    ($alias:literal, $target:literal, $f:ident) => {
        fn $f(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
            build_candidate($target, s, d)
        }
        register_candidate!($alias, $f);
        modnas_param_space::describe_component!(
            "candidate",
            $alias,
            concat!("NAS-Bench-201 name of `", $target, "`")
        );
    };
}

alias!("none", "NIL", none);
alias!("skip_connect", "IDT", skip_connect);
alias!("nor_conv_1x1", "RCB1", nor_conv_1x1);
alias!("nor_conv_3x3", "RCB3", nor_conv_3x3);
alias!("avg_pool_3x3", "AVG", avg_pool_3x3);
