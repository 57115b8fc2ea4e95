//! What a slot's layer takes and gives: image feature maps `[batch, channels, height, width]`,
//! dense features `[batch, features]` or sequences `[batch, seq, dim]`; and which signatures
//! each candidate serves.
//!
//! Every candidate is one erased module type over rank-4 tensors, so mixed operators, weight
//! sharing, records, probes and latency tables serve all signatures unchanged. A dense or
//! sequence slot carries its tensor in a rank-4 *carrier*: `[batch, features, 1, 1]` and
//! `[batch, dim, seq, 1]` (channels first, as a 1-D convolution sees a sequence). Dense
//! packing is a reshape; sequence packing swaps two axes, which Burn does as a view.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, Signature, Slot};
//! let device = Device::default();
//! let mut slot = Slot::dense(16, 8); // in place of Linear(16, 8)
//! assert_eq!(slot.spec().signature, Signature::Dense);
//! slot.set_entity(build_candidate("MLP2", slot.spec(), &device).unwrap());
//! let y = slot.forward_dense(Tensor::zeros([4, 16], &device));
//! assert_eq!(y.dims(), [4, 8]);
//! ```

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// The tensor signature of a slot (and of the layer it replaces).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    /// `[batch, channels, height, width]`; `c_in`/`c_out` are channels, `stride` the spatial
    /// stride.
    #[default]
    Image,
    /// `[batch, features]`; `c_in`/`c_out` are features.
    Dense,
    /// `[batch, seq, dim]`; `c_in`/`c_out` are the model dimension.
    Sequence,
}

impl Signature {
    /// Every signature, in declaration order.
    pub const ALL: [Signature; 3] = [Signature::Image, Signature::Dense, Signature::Sequence];

    /// Its lowercase name, as TOML writes it.
    pub fn name(self) -> &'static str {
        match self {
            Signature::Image => "image",
            Signature::Dense => "dense",
            Signature::Sequence => "sequence",
        }
    }

    /// The rank-4 carrier shape of a `[batch, …]` shape this signature takes; a rank-4 shape
    /// is returned as it is.
    pub fn carrier_shape(self, shape: &[usize]) -> Vec<usize> {
        match (self, shape) {
            (Signature::Dense, [b, f]) => vec![*b, *f, 1, 1],
            (Signature::Sequence, [b, s, d]) => vec![*b, *d, *s, 1],
            _ => shape.to_vec(),
        }
    }

    /// The shape the user sees of a carrier shape `[b, c, h, w]` (inverse of
    /// [`carrier_shape`](Self::carrier_shape) for `rank` 2 or 3; other ranks unchanged).
    pub fn user_shape(self, carrier: &[usize], rank: usize) -> Vec<usize> {
        match (self, carrier, rank) {
            (Signature::Dense, [b, f, ..], 2) => vec![*b, *f],
            (Signature::Sequence, [b, d, s, ..], 3) => vec![*b, *s, *d],
            _ => carrier.to_vec(),
        }
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `[batch, features]` → `[batch, features, 1, 1]`.
pub fn pack_dense(x: Tensor<2>) -> Tensor<4> {
    x.unsqueeze_dims(&[2, 3])
}

/// `[batch, features, 1, 1]` → `[batch, features]`.
pub fn unpack_dense(x: Tensor<4>) -> Tensor<2> {
    let [b, f, _, _] = x.dims();
    x.reshape([b, f])
}

/// `[batch, seq, dim]` → `[batch, dim, seq, 1]`.
pub fn pack_sequence(x: Tensor<3>) -> Tensor<4> {
    x.swap_dims(1, 2).unsqueeze_dim(3)
}

/// `[batch, dim, seq, 1]` → `[batch, seq, dim]`.
pub fn unpack_sequence(x: Tensor<4>) -> Tensor<3> {
    let [b, d, s, _] = x.dims();
    x.reshape([b, d, s]).swap_dims(1, 2)
}

/// The signatures a registered candidate serves (declared next to its registration).
pub struct CandidateSignature {
    /// The candidate's registry id.
    pub name: &'static str,
    /// What it serves.
    pub serves: &'static [Signature],
}

inventory::collect!(CandidateSignature);

/// Declares the signatures a candidate serves: `candidate_serves!("LIN", [Dense]);`. A
/// candidate with no declaration serves images only.
#[macro_export]
macro_rules! candidate_serves {
    ($name:expr, [$($sig:ident),+ $(,)?]) => {
        $crate::inventory::submit! {
            $crate::CandidateSignature {
                name: $name,
                serves: &[$($crate::Signature::$sig),+],
            }
        }
    };
}

/// The signatures candidate `name` serves.
pub fn candidate_serves(name: &str) -> &'static [Signature] {
    inventory::iter::<CandidateSignature>
        .into_iter()
        .find(|c| c.name == name)
        .map_or(&[Signature::Image], |c| c.serves)
}

/// The registered candidates that serve `signature`, sorted.
pub fn candidates_serving(signature: Signature) -> Vec<&'static str> {
    crate::candidate_names()
        .into_iter()
        .filter(|n| candidate_serves(n).contains(&signature))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn packing_round_trips_and_shapes_agree() {
        let device = Device::default();
        let x = Tensor::<3>::from_data(
            TensorData::new((0..24).map(|v| v as f32).collect(), [2, 3, 4]),
            &device,
        );
        let packed = pack_sequence(x.clone());
        assert_eq!(
            packed.dims().to_vec(),
            Signature::Sequence.carrier_shape(&[2, 3, 4])
        );
        assert_eq!(unpack_sequence(packed).into_data(), x.into_data());
        let d = Tensor::<2>::ones([5, 7], &device);
        let packed = pack_dense(d.clone());
        assert_eq!(packed.dims(), [5, 7, 1, 1]);
        assert_eq!(unpack_dense(packed).into_data(), d.into_data());
        assert_eq!(Signature::Sequence.user_shape(&[2, 4, 3, 1], 3), [2, 3, 4]);
        assert_eq!(Signature::Image.carrier_shape(&[1, 3, 8, 8]), [1, 3, 8, 8]);
    }

    #[test]
    fn undeclared_candidates_serve_images_only() {
        assert_eq!(candidate_serves("NC3"), [Signature::Image]);
        assert!(candidate_serves("IDT").contains(&Signature::Dense));
        let dense = candidates_serving(Signature::Dense);
        assert!(
            dense.contains(&"LIN") && !dense.contains(&"NC3"),
            "{dense:?}"
        );
    }
}
