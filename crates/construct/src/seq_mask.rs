//! [`SeqMask`]: the padding and causal masks a sequence slot hands its candidates
//! ([`Slot::forward_seq_masked`](crate::Slot::forward_seq_masked)). Every candidate is one
//! erased module over a rank-4 carrier, so the masks travel beside the tensor, for the
//! duration of the slot's forward pass on this thread, instead of through each candidate's
//! signature; a mixed operator's candidates all see them.
//!
//! What each candidate does with them:
//! - transformer encoder layers (`TEL_*`) pass them to Burn's attention: padded keys and, with
//!   the causal mask, later positions get no weight;
//! - 1-D convolutions (`C1D*`) read padded steps as zeros, as the ends of an unpadded
//!   sequence are, and with the causal mask see only the current and earlier steps;
//! - recurrent layers (`LSTM`, `GRU`) run forward in time: padding after the last step never
//!   reaches the steps before it;
//! - token-wise candidates (`LIN`, `MLP*`, activations, `IDT`, `NIL`) need none.
//!
//! The slot then sets its output at padded steps to zero. So a padded batch gives, at its
//! real steps, what each sequence gives alone.
//!
//! ```
//! use burn::tensor::{Bool, Device, Tensor, TensorData};
//! use modnas_construct::{build_candidate, SeqMask, Slot};
//! let device = Device::default();
//! let mut slot = Slot::sequence(4);
//! slot.set_entity(build_candidate("C1D3", slot.spec(), &device).unwrap());
//! let x = Tensor::<3>::ones([1, 3, 4], &device);
//! // The same sequence padded by two steps: the first three outputs do not change.
//! let padded = Tensor::cat(vec![x.clone(), Tensor::full([1, 2, 4], 9.0, &device)], 1);
//! let pad = Tensor::<2, Bool>::from_data(TensorData::from([[false, false, false, true, true]]), &device);
//! let y = slot.forward_seq_masked(padded, &SeqMask::padding(pad));
//! let alone = slot.forward_seq(x);
//! let diff = (y.slice([0..1, 0..3, 0..4]) - alone).abs().max().into_scalar::<f32>();
//! assert!(diff < 1e-6);
//! ```

use burn::nn::attention::generate_autoregressive_mask;
use burn::tensor::{Bool, Device, Tensor};
use std::cell::RefCell;

/// The masks of one batch of sequences `[batch, seq, …]`.
#[derive(Clone, Debug, Default)]
pub struct SeqMask {
    /// `[batch, seq]`, true at padded steps.
    pub pad: Option<Tensor<2, Bool>>,
    /// `[batch, seq, seq]`, true where a step must not see another (causal: the later ones).
    pub attn: Option<Tensor<3, Bool>>,
    /// True when `attn` is causal: convolutions then see only earlier steps.
    pub causal: bool,
}

impl SeqMask {
    /// A padding mask: `pad` is `[batch, seq]`, true at padded steps.
    pub fn padding(pad: Tensor<2, Bool>) -> Self {
        Self {
            pad: Some(pad),
            ..Self::default()
        }
    }

    /// A causal mask for `batch` sequences of `seq` steps: no step sees a later one.
    pub fn causal(batch: usize, seq: usize, device: &Device) -> Self {
        Self {
            attn: Some(generate_autoregressive_mask(batch, seq, device)),
            causal: true,
            pad: None,
        }
    }

    /// The same mask with the causal rule added.
    pub fn with_causal(self, batch: usize, seq: usize, device: &Device) -> Self {
        Self {
            pad: self.pad,
            ..Self::causal(batch, seq, device)
        }
    }

    /// `[batch, 1, seq, 1]`: 1 at real steps, 0 at padded ones, as a float on the carrier's
    /// layout (`[batch, dim, seq, 1]`), or `None` without padding.
    pub fn keep_carrier(&self) -> Option<Tensor<4>> {
        let pad = self.pad.as_ref()?;
        let [b, s] = pad.dims();
        Some(pad.clone().bool_not().float().reshape([b, 1, s, 1]))
    }
}

thread_local! {
    static CURRENT: RefCell<Option<SeqMask>> = const { RefCell::new(None) };
}

/// Runs `f` with `mask` as the current sequence mask of this thread, then restores the one
/// before (slots inside a masked slot's candidate nest).
pub(crate) fn with_mask<T>(mask: &SeqMask, f: impl FnOnce() -> T) -> T {
    let outer = CURRENT.with(|c| c.replace(Some(mask.clone())));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = outer);
    out
}

/// The mask of the sequence slot whose forward pass is running on this thread, if any: what a
/// candidate reads.
pub fn current_seq_mask() -> Option<SeqMask> {
    CURRENT.with(|c| c.borrow().clone())
}
