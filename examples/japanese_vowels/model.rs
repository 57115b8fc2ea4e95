//! The speaker classifier: a linear embedding of each step, two residual sequence slots over
//! the padded batch (attention, 1-D convolutions, a GRU or nothing), a mean over each
//! utterance's real steps, a linear head. Its own training loop (Adam on cross-entropy,
//! Burn `DataLoader`s) and its accuracy.

use crate::data::{dataset, whole, Utterance, VowelBatch, VowelBatcher, CHANNELS, CLASSES};
use burn::data::dataloader::DataLoaderBuilder;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use modnas::prelude::Slot;

/// Width of the embedding and of every sequence layer.
pub(crate) const DIM: usize = 16;
/// What each sequence slot chooses from.
pub(crate) const CANDIDATES: [&str; 5] = ["TEL_H2F2", "C1D3", "C1D5", "GRU", "IDT"];

/// The user's model, with two sequence slots.
#[derive(Module, Debug)]
pub(crate) struct VowelNet {
    embed: Linear,
    layers: Vec<Slot>,
    head: Linear,
}

impl VowelNet {
    pub(crate) fn new(device: &Device) -> Self {
        Self {
            embed: LinearConfig::new(CHANNELS, DIM).init(device),
            layers: (0..2).map(|_| Slot::sequence(DIM)).collect(),
            head: LinearConfig::new(DIM, CLASSES).init(device),
        }
    }

    /// Logits `[batch, CLASSES]` of a padded batch; padding never reaches them.
    pub(crate) fn forward(&self, b: &VowelBatch) -> Tensor<2> {
        let mut h = self.embed.forward(b.x.clone());
        for layer in &self.layers {
            h = h.clone() + layer.forward_seq_masked(h, &b.mask);
        }
        let [n, steps, _] = h.dims();
        let keep = match &b.mask.pad {
            Some(pad) => pad.clone().bool_not().float().reshape([n, steps, 1]),
            None => Tensor::ones([n, steps, 1], &h.device()),
        };
        let pooled = (h * keep).sum_dim(1).reshape([n, DIM]) / b.lengths.clone();
        self.head.forward(pooled)
    }

    /// The mean cross-entropy of a batch.
    pub(crate) fn loss(&self, b: &VowelBatch) -> Tensor<1> {
        let ce = CrossEntropyLossConfig::new().init(&b.x.device());
        ce.forward(self.forward(b), b.speakers.clone())
    }
}

/// Trains `model` for `epochs` over `train` (Adam, batches of 32 shuffled with `seed`).
pub(crate) fn fit(
    mut model: VowelNet,
    train: &[Utterance],
    epochs: usize,
    seed: u64,
    device: &Device,
) -> VowelNet {
    let loader = DataLoaderBuilder::new(VowelBatcher)
        .batch_size(32)
        .shuffle(seed)
        .set_device(device.clone())
        .build(dataset(train.to_vec()));
    let mut optim = AdamConfig::new().init();
    for _ in 0..epochs {
        for batch in loader.iter().flatten() {
            let grads = GradientsParams::from_grads(model.loss(&batch).backward(), &model);
            model = optim.step(3e-3, model, grads);
        }
    }
    model
}

/// The share of `utterances` whose speaker the model (in inference mode) names.
pub(crate) fn accuracy(model: &VowelNet, utterances: &[Utterance]) -> f64 {
    let b = whole(utterances, &Device::default());
    let hits = model
        .forward(&b)
        .argmax(1)
        .reshape([utterances.len()])
        .equal(b.speakers)
        .int()
        .sum()
        .into_scalar::<i64>();
    hits as f64 / utterances.len() as f64
}
