//! [`ElasticEncoderLayer`]: a pre-norm transformer encoder layer whose number of attention
//! heads and feed-forward hidden width follow two [`ElasticHandle`]s, for once-for-all
//! training of a user's own transformer (HAT, AutoFormer). Heads keep their width
//! (`d_model / max heads`): `h` active heads are the first `h` of every projection, so the
//! query, key and value projections are [`ElasticLinear`]s of `h × head_dim` outputs and the
//! output projection reads only their columns; the feed-forward is `d_model × ratio` wide. The
//! layer takes the padding and causal masks of a [`SeqMask`].
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{ElasticEncoderLayer, ElasticHandle};
//! let device = Device::default();
//! let heads = ElasticHandle::new("enc.heads", &[4, 2, 1]).unwrap();
//! let ffn = ElasticHandle::new("enc.ffn", &[4, 2]).unwrap();
//! let layer = ElasticEncoderLayer::new(16, heads.clone(), ffn, &device).unwrap();
//! heads.set(2).unwrap(); // two heads of 4 dimensions each
//! let y = layer.forward(Tensor::<3>::ones([2, 5, 16], &device), None);
//! assert_eq!((layer.active_heads(), y.dims()), (2, [2, 5, 16]));
//! ```

use super::{ElasticHandle, ElasticLinear};
use crate::{ConstructError, SeqMask};
use burn::module::Module;
use burn::nn::{Gelu, LayerNorm, LayerNormConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Tensor};

/// A transformer encoder layer elastic in its heads and feed-forward width.
#[derive(Module, Debug)]
pub struct ElasticEncoderLayer {
    query: ElasticLinear,
    key: ElasticLinear,
    value: ElasticLinear,
    output: ElasticLinear,
    norm_attn: LayerNorm,
    up: ElasticLinear,
    act: Gelu,
    down: ElasticLinear,
    norm_ffn: LayerNorm,
    #[module(skip)]
    head_dim: usize,
}

impl ElasticEncoderLayer {
    /// A layer of width `d_model` with up to `heads.max()` heads of `d_model / heads.max()`
    /// dimensions and a feed-forward of `d_model × ffn` hidden units.
    pub fn new(
        d_model: usize,
        heads: ElasticHandle,
        ffn: ElasticHandle,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let max_heads = heads.max().max(1) as usize;
        if d_model == 0 || !d_model.is_multiple_of(max_heads) {
            return Err(ConstructError::InvalidSpec(format!(
                "an elastic encoder layer of width {d_model} cannot hold {max_heads} heads of \
                 equal width (`{}`): the width must be a positive multiple of the most heads",
                heads.param()
            )));
        }
        let head_dim = d_model / max_heads;
        let projection = || ElasticLinear::new(d_model, head_dim, heads.clone(), device);
        let ffn_max = d_model * ffn.max().max(1) as usize;
        Ok(Self {
            query: projection()?,
            key: projection()?,
            value: projection()?,
            output: ElasticLinear::fixed(d_model, d_model, device),
            norm_attn: LayerNormConfig::new(d_model).init(device),
            up: ElasticLinear::new(d_model, d_model, ffn, device)?,
            act: Gelu::new(),
            down: ElasticLinear::fixed(ffn_max, d_model, device),
            norm_ffn: LayerNormConfig::new(d_model).init(device),
            head_dim,
        })
    }

    /// The heads active now.
    pub fn active_heads(&self) -> usize {
        self.query.width() / self.head_dim
    }

    /// The feed-forward's active hidden width.
    pub fn active_ffn(&self) -> usize {
        self.up.width()
    }

    /// `[batch, seq, d_model]` → the same shape: `x + attention(norm(x))`, then
    /// `+ feed_forward(norm(·))`. `mask`'s padded keys and (causal) later steps get no
    /// attention.
    pub fn forward(&self, x: Tensor<3>, mask: Option<&SeqMask>) -> Tensor<3> {
        let [batch, seq, _] = x.dims();
        let heads = self.active_heads();
        let split = |t: Tensor<3>| {
            t.reshape([batch, seq, heads, self.head_dim])
                .swap_dims(1, 2)
        };
        let h = self.norm_attn.forward(x.clone());
        let (q, k, v) = (
            split(self.query.forward(h.clone())),
            split(self.key.forward(h.clone())),
            split(self.value.forward(h)),
        );
        let scores = q.matmul(k.swap_dims(2, 3)) / (self.head_dim as f64).sqrt();
        let scores = match blocked(mask, batch, seq) {
            Some(block) => scores.mask_fill(block, -1.0e9),
            None => scores,
        };
        let context = softmax(scores, 3).matmul(v).swap_dims(1, 2).reshape([
            batch,
            seq,
            heads * self.head_dim,
        ]);
        let x = x + self.output.forward(context);
        let hidden = self
            .act
            .forward(self.up.forward(self.norm_ffn.forward(x.clone())));
        x + self.down.forward(hidden)
    }
}

/// `[batch, 1, seq, seq]`, true where a query must not see a key: padded keys and, with a
/// causal mask, later steps.
fn blocked(mask: Option<&SeqMask>, batch: usize, seq: usize) -> Option<Tensor<4, Bool>> {
    let mask = mask?;
    let pad = mask.pad.as_ref().map(|p| {
        p.clone()
            .reshape([batch, 1, 1, seq])
            .expand([batch, 1, seq, seq])
    });
    let attn = mask
        .attn
        .as_ref()
        .map(|a| a.clone().reshape([batch, 1, seq, seq]));
    match (pad, attn) {
        (Some(p), Some(a)) => Some(p.bool_or(a)),
        (p, a) => p.or(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, TensorData};

    fn layer(device: &Device) -> (ElasticEncoderLayer, ElasticHandle, ElasticHandle) {
        let heads = ElasticHandle::new("heads", &[4, 2, 1]).unwrap();
        let ffn = ElasticHandle::new("ffn", &[2, 1]).unwrap();
        let layer = ElasticEncoderLayer::new(8, heads.clone(), ffn.clone(), device).unwrap();
        (layer, heads, ffn)
    }

    fn max_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
        (a - b).abs().max().into_scalar::<f32>()
    }

    #[test]
    fn heads_and_hidden_width_follow_their_handles() {
        let device = Device::default();
        device.seed(1);
        let (layer, heads, ffn) = layer(&device);
        let x = Tensor::<3>::random([2, 5, 8], Distribution::Normal(0.0, 1.0), &device);
        let full = layer.forward(x.clone(), None);
        assert_eq!((layer.active_heads(), layer.active_ffn()), (4, 16));
        heads.set(1).unwrap();
        ffn.set(1).unwrap();
        assert_eq!((layer.active_heads(), layer.active_ffn()), (1, 8));
        let small = layer.forward(x.clone(), None);
        assert_eq!(small.dims(), [2, 5, 8]);
        assert!(
            max_diff(full.clone(), small) > 1e-4,
            "a smaller layer computes otherwise"
        );
        heads.set(4).unwrap();
        ffn.set(2).unwrap();
        assert!(
            max_diff(full, layer.forward(x, None)) < 1e-6,
            "and the full one again"
        );
        let err = ElasticEncoderLayer::new(6, ElasticHandle::new("h", &[4]).unwrap(), ffn, &device);
        assert!(err.unwrap_err().to_string().contains("`h`"));
    }

    #[test]
    fn inactive_heads_get_no_gradient() {
        let device = Device::default().autodiff();
        let (layer, heads, _) = layer(&device);
        heads.set(1).unwrap();
        device.seed(3);
        let x = Tensor::<3>::random([1, 3, 8], Distribution::Normal(0.0, 1.0), &device);
        let target = Tensor::<3>::random([1, 3, 8], Distribution::Normal(0.0, 1.0), &device);
        let grads = (layer.forward(x, None) * target).sum().backward();
        let g = layer.query.full().weight.grad(&grads).unwrap(); // [8, 8]: 4 heads × 2
        let active = g
            .clone()
            .slice([0..8, 0..2])
            .abs()
            .sum()
            .into_scalar::<f32>();
        let inactive = g.slice([0..8, 2..8]).abs().sum().into_scalar::<f32>();
        assert!(active > 0.0 && inactive == 0.0, "{active} / {inactive}");
    }

    #[test]
    fn padded_and_later_steps_are_not_seen() {
        let device = Device::default();
        device.seed(2);
        let (layer, heads, _) = layer(&device);
        heads.set(2).unwrap();
        let x = Tensor::<3>::random([1, 3, 8], Distribution::Normal(0.0, 1.0), &device);
        let padded = Tensor::cat(vec![x.clone(), Tensor::full([1, 2, 8], 9.0, &device)], 1);
        let pad = Tensor::<2, Bool>::from_data(
            TensorData::from([[false, false, false, true, true]]),
            &device,
        );
        let y = layer.forward(padded, Some(&SeqMask::padding(pad)));
        let alone = layer.forward(x.clone(), None);
        assert!(max_diff(y.slice([0..1, 0..3, 0..8]), alone) < 1e-5);
        // Causal: changing the last step leaves the first two outputs as they were.
        let causal = SeqMask::causal(1, 3, &device);
        let changed = x
            .clone()
            .slice_assign([0..1, 2..3, 0..8], Tensor::full([1, 1, 8], 5.0, &device));
        let (a, b) = (
            layer.forward(x, Some(&causal)),
            layer.forward(changed, Some(&causal)),
        );
        assert!(
            max_diff(
                a.clone().slice([0..1, 0..2, 0..8]),
                b.clone().slice([0..1, 0..2, 0..8])
            ) < 1e-6
        );
        assert!(max_diff(a, b) > 1e-3, "the last step itself changes");
    }
}
