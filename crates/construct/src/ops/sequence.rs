//! Sequence candidates for `[batch, seq, dim]` slots (see [`Signature::Sequence`]):
//! `TEL_H{1,2,4}F{2,4}`, a transformer encoder layer (Burn's `TransformerEncoderLayer`,
//! pre-norm) with 1, 2 or 4 heads and a feed-forward width of 2 or 4 × dim; and `C1D3`,
//! `C1D5`, `C1D7`, a 1-D convolution along the sequence (same length) followed by a ReLU.
//! `IDT` and `NIL` serve sequence slots too. The slot's `extra.dropout` sets the encoder
//! layers' dropout (default 0.1).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, Slot};
//! let device = Device::default();
//! let mut slot = Slot::sequence(8);
//! slot.set_entity(build_candidate("TEL_H2F2", slot.spec(), &device).unwrap());
//! assert_eq!(slot.forward_seq(Tensor::zeros([2, 5, 8], &device)).dims(), [2, 5, 8]);
//! ```

use crate::layer_cost::LayerCost;
use crate::signature::{pack_sequence, unpack_sequence};
use crate::{
    current_seq_mask, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SeqMask,
    SlotSpec,
};
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::transformer::{TransformerEncoderConfig, TransformerEncoderLayer};
use burn::nn::PaddingConfig1d;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// One transformer encoder layer on a sequence carrier `[batch, dim, seq, 1]`.
#[derive(Module, Debug)]
pub struct EncoderLayerOp {
    layer: TransformerEncoderLayer,
}

impl EncoderLayerOp {
    /// An encoder layer of model dimension `dim` with `heads` heads and a feed-forward width
    /// of `ffn_ratio × dim`; `dim` must be a multiple of `heads`.
    pub fn new(
        dim: usize,
        heads: usize,
        ffn_ratio: usize,
        dropout: f64,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        if dim == 0 || heads == 0 || !dim.is_multiple_of(heads) || ffn_ratio == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "a transformer encoder layer needs dim a positive multiple of heads and a positive FFN ratio, got dim {dim}, heads {heads}, ratio {ffn_ratio}"
            )));
        }
        let config = TransformerEncoderConfig::new(dim, ffn_ratio * dim, heads, 1)
            .with_dropout(dropout)
            .with_norm_first(true);
        Ok(Self {
            layer: TransformerEncoderLayer::new(&config, device),
        })
    }
}

impl NasModule for EncoderLayerOp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let (pad, attn) = match current_seq_mask() {
            Some(m) => (m.pad, m.attn),
            None => (None, None),
        };
        pack_sequence(self.layer.forward(unpack_sequence(x), pad, attn))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let seq = [input[0], input[2], input[1]];
        let attention = self.layer.mha.layer_cost(&seq);
        let ffn = &self.layer.pwff;
        let inner = ffn.linear_inner.layer_cost(&seq);
        let outer = ffn.linear_outer.layer_cost(&inner.output);
        let cost = attention.then(inner).then(outer);
        Cost {
            output: input.to_vec(),
            ..cost
        }
    }
}

/// A 1-D convolution along the sequence, keeping its length, then a ReLU.
#[derive(Module, Debug)]
pub struct SeqConvOp {
    conv: Conv1d,
}

impl SeqConvOp {
    /// A `kernel`-wide convolution `c_in → c_out` (odd `kernel`).
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        if kernel.is_multiple_of(2) || c_in == 0 || c_out == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "a sequence convolution needs an odd kernel and positive sizes, got kernel {kernel}, {c_in} → {c_out}"
            )));
        }
        let conv = Conv1dConfig::new(c_in, c_out, kernel)
            .with_padding(PaddingConfig1d::Explicit(kernel / 2, kernel / 2))
            .init(device);
        Ok(Self { conv })
    }
}

impl NasModule for SeqConvOp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mask = current_seq_mask();
        // Padded steps read as zeros, as the ends of an unpadded sequence do.
        let x = match mask.as_ref().and_then(SeqMask::keep_carrier) {
            Some(keep) => x * keep,
            None => x,
        };
        let [b, d, s, _] = x.dims();
        let x = x.reshape([b, d, s]);
        let y = if mask.is_some_and(|m| m.causal) {
            // Shifted by half the kernel: step t sees steps t − k + 1 … t only.
            let half = self.conv.weight.dims()[2] / 2;
            let shifted = Tensor::cat(vec![Tensor::zeros([b, d, half], &x.device()), x], 2);
            self.conv.forward(shifted).narrow(2, 0, s)
        } else {
            self.conv.forward(x)
        };
        relu(y).unsqueeze_dim(3)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let c = self.conv.layer_cost(&input[..3]);
        let mut output = c.output.clone();
        output.push(1);
        Cost { output, ..c }
    }
}

fn dropout(s: &SlotSpec) -> Result<f64, ConstructError> {
    match s.extra.get("dropout") {
        None => Ok(0.1),
        Some(v) => v
            .as_float()
            .filter(|p| (0.0..1.0).contains(p))
            .ok_or_else(|| {
                ConstructError::InvalidSpec(format!("`dropout` must be a float in [0, 1), got {v}"))
            }),
    }
}

fn encoder(
    s: &SlotSpec,
    d: &Device,
    heads: usize,
    ratio: usize,
) -> Result<EncoderLayerOp, ConstructError> {
    if s.c_in != s.c_out {
        return Err(ConstructError::InvalidSpec(format!(
            "a transformer encoder layer keeps the model dimension, got {} → {}",
            s.c_in, s.c_out
        )));
    }
    EncoderLayerOp::new(s.c_in, heads, ratio, dropout(s)?, d)
}

macro_rules! encoder_candidates {
    ($(($name:literal, $f:ident, $heads:literal, $ratio:literal)),* $(,)?) => {$(
        fn $f(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
            Ok(CandidateBox::new($name, encoder(s, d, $heads, $ratio)?))
        }
        register_candidate!(
            #[doc = concat!("sequence: transformer encoder layer, ", $heads, " heads, FFN ", $ratio, " × dim")]
            $name, $f
        );
        crate::candidate_serves!($name, [Sequence]);
    )*};
}

encoder_candidates!(
    ("TEL_H1F2", tel_h1f2, 1, 2),
    ("TEL_H1F4", tel_h1f4, 1, 4),
    ("TEL_H2F2", tel_h2f2, 2, 2),
    ("TEL_H2F4", tel_h2f4, 2, 4),
    ("TEL_H4F2", tel_h4f2, 4, 2),
    ("TEL_H4F4", tel_h4f4, 4, 4),
);

macro_rules! conv1d_candidates {
    ($(($name:literal, $f:ident, $k:literal)),* $(,)?) => {$(
        fn $f(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
            Ok(CandidateBox::new($name, SeqConvOp::new(s.c_in, s.c_out, $k, d)?))
        }
        register_candidate!(
            #[doc = concat!("sequence: 1-D convolution of width ", $k, " along the sequence, then ReLU")]
            $name, $f
        );
        crate::candidate_serves!($name, [Sequence]);
    )*};
}

conv1d_candidates!(("C1D3", c1d3, 3), ("C1D5", c1d5, 5), ("C1D7", c1d7, 7));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_candidate;

    #[test]
    fn sequence_candidates_keep_the_shape_and_count_their_macs() {
        let device = Device::default();
        let spec = SlotSpec::sequence(8);
        let x = || pack_sequence(Tensor::<3>::ones([2, 5, 8], &device));
        for name in ["TEL_H2F2", "TEL_H4F4", "C1D3", "C1D7"] {
            let op = build_candidate(name, &spec, &device).unwrap();
            assert_eq!(op.forward(x()).dims(), [2, 8, 5, 1], "{name}");
            assert_eq!(op.cost(&[2, 8, 5, 1]).output, [2, 8, 5, 1], "{name}");
        }
        let conv = build_candidate("C1D5", &spec, &device).unwrap();
        assert_eq!(conv.cost(&[2, 8, 5, 1]).macs, 2 * 5 * 8 * 8 * 5);
        // Attention: 4 projections and scores with their sum; FFN: two linear layers.
        let tel = build_candidate("TEL_H2F2", &spec, &device).unwrap();
        let (n, s, d) = (2, 5, 8);
        let expected = 4 * n * s * d * d + 2 * n * s * s * d + 2 * n * s * d * (2 * d);
        assert_eq!(tel.cost(&[2, 8, 5, 1]).macs, expected as u64);
        let e = build_candidate("TEL_H4F2", &SlotSpec::sequence(6), &device).unwrap_err();
        assert!(e.to_string().contains("multiple of heads"), "{e}");
        let bad = SlotSpec::sequence(8).with_arg("dropout", 1.5);
        assert!(build_candidate("TEL_H2F2", &bad, &device).is_err());
    }
}
