//! Recurrent candidates for `[batch, seq, dim]` slots: `LSTM` and `GRU`, Burn's one-layer,
//! forward-in-time `Lstm` and `Gru` with a hidden size of the slot's `c_out` (so they may
//! change the width, `c_in → c_out`). Running forward in time, they are causal, and padding
//! after a sequence's last step never reaches its real steps.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, Slot};
//! let device = Device::default();
//! let mut slot = Slot::sequence_to(6, 4);
//! slot.set_entity(build_candidate("GRU", slot.spec(), &device).unwrap());
//! assert_eq!(slot.forward_seq(Tensor::zeros([2, 5, 6], &device)).dims(), [2, 5, 4]);
//! ```

use crate::signature::{pack_sequence, unpack_sequence};
use crate::{
    f32_bytes, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::{Gru, GruConfig, Lstm, LstmConfig};
use burn::tensor::{Device, Tensor};

/// A one-layer LSTM on a sequence carrier `[batch, dim, seq, 1]`.
#[derive(Module, Debug)]
pub struct LstmOp {
    lstm: Lstm,
}

/// A one-layer GRU on a sequence carrier `[batch, dim, seq, 1]`.
#[derive(Module, Debug)]
pub struct GruOp {
    gru: Gru,
}

impl LstmOp {
    /// An LSTM from `d_in` features to a hidden state of `d_out`.
    pub fn new(d_in: usize, d_out: usize, device: &Device) -> Self {
        Self {
            lstm: LstmConfig::new(d_in, d_out, true).init(device),
        }
    }
}

impl GruOp {
    /// A GRU from `d_in` features to a hidden state of `d_out`.
    pub fn new(d_in: usize, d_out: usize, device: &Device) -> Self {
        Self {
            gru: GruConfig::new(d_in, d_out, true).init(device),
        }
    }
}

/// The cost of a recurrent layer of `gates` gates over a carrier `[b, d_in, s, 1]` to
/// `d_out`: each gate a linear map of the input and of the hidden state, per step.
fn recurrent_cost(input: &[usize], d_out: usize, gates: usize) -> Cost {
    let (b, d_in, s) = (input[0], input[1], input[2]);
    let weights = gates * (d_in * d_out + d_out * d_out + d_out);
    let macs = (b * s * gates * (d_in * d_out + d_out * d_out)) as u64;
    let mem = f32_bytes(b * s * (d_in + d_out) + weights);
    Cost::new(macs, vec![b, d_out, s, 1]).with_mem(mem)
}

impl NasModule for LstmOp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        pack_sequence(self.lstm.forward(unpack_sequence(x), None).0)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        recurrent_cost(input, self.lstm.d_hidden, 4)
    }
}

impl NasModule for GruOp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        pack_sequence(self.gru.forward(unpack_sequence(x), None))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        recurrent_cost(input, self.gru.d_hidden, 3)
    }
}

fn sizes(s: &SlotSpec, name: &str) -> Result<(usize, usize), ConstructError> {
    if s.c_in == 0 || s.c_out == 0 {
        return Err(ConstructError::InvalidSpec(format!(
            "{name} needs positive sizes, got {} → {}",
            s.c_in, s.c_out
        )));
    }
    Ok((s.c_in, s.c_out))
}

fn lstm(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    let (d_in, d_out) = sizes(s, "LSTM")?;
    Ok(CandidateBox::new("LSTM", LstmOp::new(d_in, d_out, d)))
}

fn gru(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    let (d_in, d_out) = sizes(s, "GRU")?;
    Ok(CandidateBox::new("GRU", GruOp::new(d_in, d_out, d)))
}

register_candidate!(
    /// sequence: one-layer LSTM, hidden size c_out (Burn's Lstm)
    "LSTM", lstm
);
register_candidate!(
    /// sequence: one-layer GRU, hidden size c_out (Burn's Gru)
    "GRU", gru
);
crate::candidate_serves!("LSTM", [Sequence]);
crate::candidate_serves!("GRU", [Sequence]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_candidate;

    #[test]
    fn recurrent_candidates_change_the_width_and_count_their_gates() {
        let device = Device::default();
        let spec = SlotSpec::sequence_to(6, 4);
        let x = pack_sequence(Tensor::<3>::ones([2, 5, 6], &device));
        for (name, gates) in [("LSTM", 4), ("GRU", 3)] {
            let op = build_candidate(name, &spec, &device).unwrap();
            assert_eq!(op.forward(x.clone()).dims(), [2, 4, 5, 1], "{name}");
            let cost = op.cost(&[2, 6, 5, 1]);
            assert_eq!(cost.output, [2, 4, 5, 1], "{name}");
            assert_eq!(
                cost.macs,
                (2 * 5 * gates * (6 * 4 + 4 * 4)) as u64,
                "{name}"
            );
        }
    }

    #[test]
    fn a_recurrent_step_never_sees_later_steps() {
        let device = Device::default();
        let op = build_candidate("LSTM", &SlotSpec::sequence(3), &device).unwrap();
        let short = Tensor::<3>::ones([1, 4, 3], &device);
        let long = Tensor::cat(
            vec![short.clone(), Tensor::full([1, 2, 3], 5.0, &device)],
            1,
        );
        let a = unpack_sequence(op.forward(pack_sequence(short)));
        let b = unpack_sequence(op.forward(pack_sequence(long))).slice([0..1, 0..4, 0..3]);
        assert!((a - b).abs().max().into_scalar::<f32>() < 1e-6);
    }
}
