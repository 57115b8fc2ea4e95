//! `NIL`: the zero operation (no connection). Outputs zeros of the slot's output shape.

use super::conv_layer::out_size;
use crate::{register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec};
use burn::module::Module;
use burn::tensor::{Device, Tensor};

/// Outputs zeros with `c_out` channels at the slot's stride.
#[derive(Module, Debug)]
pub struct Zero {
    c_out: usize,
    stride: usize,
}

impl NasModule for Zero {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        let shape = [
            n,
            self.c_out,
            out_size(h, 1, self.stride, 1),
            out_size(w, 1, self.stride, 1),
        ];
        Tensor::zeros(shape, &x.device())
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let out = vec![
            input[0],
            self.c_out,
            out_size(input[2], 1, self.stride, 1),
            out_size(input[3], 1, self.stride, 1),
        ];
        Cost::new(0, out)
    }
}

fn nil(s: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    if s.stride == 0 {
        return Err(ConstructError::InvalidSpec(
            "NIL stride must be positive".into(),
        ));
    }
    Ok(CandidateBox::new(
        "NIL",
        Zero {
            c_out: s.c_out,
            stride: s.stride,
        },
    ))
}
register_candidate!(
    /// zeros of the output shape (no edge)
    "NIL", nil
);
crate::candidate_serves!("NIL", [Image, Dense, Sequence]);
