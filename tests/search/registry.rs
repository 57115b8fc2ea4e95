//! A candidate registered by a user crate with one macro line is buildable by name.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use modnas::construct::{build_candidate, candidate_names, construct, CandidateSets, Slot};
use modnas::prelude::*;

/// A user op: scales its input by 2 (channels must match).
#[derive(Module, Debug)]
struct Doubler {
    c_out: usize,
}

impl NasModule for Doubler {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        x * 2.0
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}

fn doubler(spec: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("Doubler", Doubler { c_out: spec.c_out }))
}
register_candidate!("UserDoubler", doubler);

#[test]
fn user_candidate_is_listed_and_buildable() {
    let _serial = crate::common::serial();
    assert!(candidate_names().contains(&"UserDoubler"));
    let device = Device::default();
    let op = build_candidate("UserDoubler", &SlotSpec::new(2, 2, 1), &device).unwrap();
    assert_eq!(op.name(), "UserDoubler");
    let y = op.forward(Tensor::ones([1, 2, 3, 3], &device));
    assert_eq!(y.sum().into_scalar::<f32>(), 36.0);
    assert!(op.downcast_ref::<Doubler>().is_some());
}

#[test]
fn user_candidate_fills_slots_through_construct() {
    let _serial = crate::common::serial();
    #[derive(Module, Debug)]
    struct Net {
        a: Slot,
    }
    let device = Device::default();
    let c = construct(
        Net {
            a: Slot::new(2, 2, 1),
        },
        &CandidateSets::uniform(["UserDoubler", "NC3"]),
        &device,
    )
    .unwrap();
    assert_eq!(c.model.a.entity().unwrap().name(), "UserDoubler");
}

#[test]
fn unknown_candidate_lists_known_names() {
    let _serial = crate::common::serial();
    let err = build_candidate("NC4", &SlotSpec::new(2, 2, 1), &Device::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown candidate `NC4`"), "{err}");
    assert!(
        err.contains("NC3") && err.contains("MB7E6") && err.contains("UserDoubler"),
        "{err}"
    );
}
