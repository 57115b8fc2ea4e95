//! Dense candidates for `[batch, features]` slots (see [`Signature::Dense`]): `LIN`, one linear
//! layer `c_in → c_out`; `MLP1`, `MLP2`, `MLP4`, two linear layers with a ReLU between and a
//! hidden width of 1, 2 or 4 × `c_out`; and the activations `RELU`, `GELU`, `SILU`, which
//! keep the shape (they need `c_in == c_out`). `IDT` and `NIL` serve dense slots too. The
//! linear ones also serve sequence slots, token by token (a transformer's feed-forward).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::ops::DenseMlpConfig;
//! use modnas_construct::NasModule;
//! let device = Device::default();
//! let mlp = DenseMlpConfig::new(10, 3).with_hidden_ratio(Some(4)).init(&device).unwrap();
//! let y = mlp.forward(modnas_construct::pack_dense(Tensor::zeros([2, 10], &device)));
//! assert_eq!(y.dims(), [2, 3, 1, 1]);
//! ```

use crate::layer_cost::LayerCost;
use crate::signature::{pack_dense, unpack_dense};
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{gelu, relu, silu};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// One linear layer, or two with a ReLU between, on a dense carrier `[batch, features, 1, 1]`.
#[derive(Module, Debug)]
pub struct DenseMlp {
    first: Linear,
    second: Option<Linear>,
}

/// How to build a [`DenseMlp`]: `DenseMlpConfig::new(16, 8).with_hidden_ratio(Some(2))`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseMlpConfig {
    /// Input features.
    pub f_in: usize,
    /// Output features.
    pub f_out: usize,
    /// `None`: one linear layer; `Some(r)`: a hidden layer of `r × f_out` features.
    #[config(default = None)]
    pub hidden_ratio: Option<usize>,
}

impl DenseMlpConfig {
    /// The config of a dense slot's candidate with hidden ratio `ratio`.
    pub fn for_spec(spec: &SlotSpec, ratio: Option<usize>) -> Self {
        Self::new(spec.c_in, spec.c_out).with_hidden_ratio(ratio)
    }

    /// Builds the layers; refuses zero sizes.
    pub fn init(&self, device: &Device) -> Result<DenseMlp, ConstructError> {
        if self.f_in == 0 || self.f_out == 0 || self.hidden_ratio == Some(0) {
            return Err(ConstructError::InvalidSpec(format!(
                "a dense layer needs positive sizes, got f_in {}, f_out {}, hidden ratio {:?}",
                self.f_in, self.f_out, self.hidden_ratio
            )));
        }
        Ok(match self.hidden_ratio {
            None => DenseMlp {
                first: LinearConfig::new(self.f_in, self.f_out).init(device),
                second: None,
            },
            Some(r) => DenseMlp {
                first: LinearConfig::new(self.f_in, r * self.f_out).init(device),
                second: Some(LinearConfig::new(r * self.f_out, self.f_out).init(device)),
            },
        })
    }
}

impl DenseMlp {
    fn layers<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let y = self.first.forward(x);
        match &self.second {
            Some(second) => second.forward(relu(y)),
            None => y,
        }
    }
}

impl NasModule for DenseMlp {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    /// A dense carrier `[b, f, 1, 1]` is a batch of rows; any other carrier (a sequence
    /// `[b, d, s, 1]`) is mapped position by position, over its channels.
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = x.dims();
        if h == 1 && w == 1 {
            return pack_dense(self.layers(unpack_dense(x)));
        }
        self.layers(x.permute([0, 2, 3, 1])).permute([0, 3, 1, 2])
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let [b, _, h, w] = [input[0], input[1], input[2], input[3]];
        let rows = [b * h * w, input[1]];
        let first = self.first.layer_cost(&rows);
        let cost = match &self.second {
            Some(second) => {
                let next = second.layer_cost(&first.output);
                first.then(next)
            }
            None => first,
        };
        Cost {
            output: vec![b, cost.output[1], h, w],
            ..cost
        }
    }
}

/// An element-wise activation of any carrier: ReLU, GELU or SiLU.
#[derive(Module, Debug)]
pub struct DenseActivation {
    /// 0: ReLU, 1: GELU, 2: SiLU.
    kind: usize,
}

impl NasModule for DenseActivation {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self.kind {
            0 => relu(x),
            1 => gelu(x),
            _ => silu(x),
        }
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}

fn mlp(s: &SlotSpec, device: &Device, ratio: Option<usize>) -> Result<DenseMlp, ConstructError> {
    DenseMlpConfig::for_spec(s, ratio).init(device)
}

fn lin(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("LIN", mlp(s, d, None)?))
}
fn mlp1(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("MLP1", mlp(s, d, Some(1))?))
}
fn mlp2(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("MLP2", mlp(s, d, Some(2))?))
}
fn mlp4(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("MLP4", mlp(s, d, Some(4))?))
}

fn activation(
    name: &'static str,
    kind: usize,
    s: &SlotSpec,
) -> Result<CandidateBox, ConstructError> {
    if s.c_in != s.c_out || s.stride != 1 {
        return Err(ConstructError::InvalidSpec(format!(
            "`{name}` keeps the shape: it needs c_in == c_out and stride 1, got {} → {} at stride {}",
            s.c_in, s.c_out, s.stride
        )));
    }
    Ok(CandidateBox::new(name, DenseActivation { kind }))
}
fn relu_op(s: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    activation("RELU", 0, s)
}
fn gelu_op(s: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    activation("GELU", 1, s)
}
fn silu_op(s: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    activation("SILU", 2, s)
}

register_candidate!(
    /// dense: one linear layer c_in → c_out
    "LIN", lin
);
register_candidate!(
    /// dense: linear → ReLU → linear, hidden width c_out
    "MLP1", mlp1
);
register_candidate!(
    /// dense: linear → ReLU → linear, hidden width 2 × c_out
    "MLP2", mlp2
);
register_candidate!(
    /// dense: linear → ReLU → linear, hidden width 4 × c_out
    "MLP4", mlp4
);
register_candidate!(
    /// element-wise ReLU (c_in == c_out)
    "RELU", relu_op
);
register_candidate!(
    /// element-wise GELU (c_in == c_out)
    "GELU", gelu_op
);
register_candidate!(
    /// element-wise SiLU (c_in == c_out)
    "SILU", silu_op
);
crate::candidate_serves!("LIN", [Dense, Sequence]);
crate::candidate_serves!("MLP1", [Dense, Sequence]);
crate::candidate_serves!("MLP2", [Dense, Sequence]);
crate::candidate_serves!("MLP4", [Dense, Sequence]);
crate::candidate_serves!("RELU", [Dense, Sequence, Image]);
crate::candidate_serves!("GELU", [Dense, Sequence, Image]);
crate::candidate_serves!("SILU", [Dense, Sequence, Image]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build_candidate, candidate_serves};

    #[test]
    fn dense_candidates_map_features_and_count_their_macs() {
        let device = Device::default();
        let spec = SlotSpec::dense(6, 4);
        let x = || pack_dense(Tensor::<2>::ones([3, 6], &device));
        for (name, macs) in [("LIN", 6 * 4), ("MLP2", 6 * 8 + 8 * 4)] {
            let op = build_candidate(name, &spec, &device).unwrap();
            assert_eq!(op.forward(x()).dims(), [3, 4, 1, 1], "{name}");
            let cost = op.cost(&[3, 6, 1, 1]);
            assert_eq!(
                (cost.macs, cost.output),
                (3 * macs as u64, vec![3, 4, 1, 1]),
                "{name}"
            );
        }
        assert!(candidate_serves("MLP4").contains(&crate::Signature::Dense));
        let e = build_candidate("GELU", &spec, &device).unwrap_err();
        assert!(e.to_string().contains("c_in == c_out"), "{e}");
        let same = SlotSpec::dense(4, 4);
        // Token by token on a sequence carrier [b, d, s, 1].
        let seq = crate::SlotSpec::sequence(6);
        let ffn = build_candidate("MLP2", &seq, &device).unwrap();
        let tokens = crate::pack_sequence(Tensor::<3>::ones([2, 5, 6], &device));
        assert_eq!(ffn.forward(tokens).dims(), [2, 6, 5, 1]);
        assert_eq!(
            ffn.cost(&[2, 6, 5, 1]).macs,
            (2 * 5 * (6 * 12 + 12 * 6)) as u64
        );
        let act = build_candidate("SILU", &same, &device).unwrap();
        let y = act.forward(pack_dense(Tensor::<2>::zeros([1, 4], &device)));
        assert_eq!(y.dims(), [1, 4, 1, 1]);
    }
}
