//! [`InputChoice`]: which of several earlier tensors feeds a layer (NNI's `InputChoice`). It
//! is a slot over the stacked inputs whose candidates `PICK0` … pick one each, so a discrete
//! search chooses an input and a mixed operator (DARTS, GDAS, …) weighs them — the
//! weight-sharing variant — with nothing else to learn.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, InputChoice};
//! use modnas_param_space::ArchDesc;
//!
//! #[derive(Module, Debug)]
//! struct Net {
//!     skip_from: InputChoice,
//! }
//! # fn main() -> Result<(), modnas_construct::ConstructError> {
//! let device = Device::default();
//! let net = Net { skip_from: InputChoice::dense(3, 4)? };
//! let mut c = construct(net, &CandidateSets::default(), &device)?;
//! let inputs = || (0..3).map(|i| Tensor::<2>::ones([2, 4], &device).mul_scalar(i as f32)).collect();
//! c.apply(&[("skip_from.slot", "PICK2")].into_iter().collect::<ArchDesc>())?;
//! let y = c.model.skip_from.forward_dense(inputs());
//! assert_eq!(y.into_data().try_to_vec::<f32>().unwrap(), vec![2.0; 8]);
//! # Ok(())
//! # }
//! ```

use crate::{ConstructError, Signature, Slot, SlotSpec, CANDIDATES_KEY};
use burn::module::Module;
use burn::tensor::Tensor;

/// The most inputs one choice takes (the `PICK` candidates registered).
pub const MAX_INPUTS: usize = 8;

/// A choice among `n` inputs of one shape.
#[derive(Module, Debug)]
pub struct InputChoice {
    /// The slot over the stacked inputs; its parameter is the choice (`<field>.slot`).
    pub slot: Slot,
}

impl InputChoice {
    /// A choice among `n` inputs of `width` channels (features, model dimension) of
    /// `signature`.
    pub fn new(n: usize, width: usize, signature: Signature) -> Result<Self, ConstructError> {
        if !(1..=MAX_INPUTS).contains(&n) || width == 0 {
            return Err(ConstructError::InvalidSpec(format!(
                "an input choice takes 1 to {MAX_INPUTS} inputs of positive width, got {n} of {width}"
            )));
        }
        let picks: Vec<toml::Value> = (0..n).map(|i| format!("PICK{i}").into()).collect();
        let spec = SlotSpec {
            signature,
            ..SlotSpec::new(n * width, width, 1)
        }
        .with_arg(CANDIDATES_KEY, picks);
        Ok(Self {
            slot: Slot::from_spec(spec),
        })
    }

    /// Among `n` image feature maps of `channels` channels.
    pub fn image(n: usize, channels: usize) -> Result<Self, ConstructError> {
        Self::new(n, channels, Signature::Image)
    }

    /// Among `n` dense tensors of `features` features.
    pub fn dense(n: usize, features: usize) -> Result<Self, ConstructError> {
        Self::new(n, features, Signature::Dense)
    }

    /// Among `n` sequences of model dimension `dim`.
    pub fn sequence(n: usize, dim: usize) -> Result<Self, ConstructError> {
        Self::new(n, dim, Signature::Sequence)
    }

    /// The chosen (or weighed) image input.
    pub fn forward(&self, inputs: Vec<Tensor<4>>) -> Tensor<4> {
        self.slot.forward(Tensor::cat(inputs, 1))
    }

    /// The chosen (or weighed) dense input.
    pub fn forward_dense(&self, inputs: Vec<Tensor<2>>) -> Tensor<2> {
        self.slot.forward_dense(Tensor::cat(inputs, 1))
    }

    /// The chosen (or weighed) sequence.
    pub fn forward_seq(&self, inputs: Vec<Tensor<3>>) -> Tensor<3> {
        self.slot.forward_seq(Tensor::cat(inputs, 2))
    }
}
