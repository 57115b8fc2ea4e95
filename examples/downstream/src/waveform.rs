//! A task of this crate's own, searched from TOML ([`WaveformTask`], `[task] type =
//! "WaveformTask"`): which of three shapes — sine, square, sawtooth — a noisy waveform of 32
//! steps has, at a frequency and phase of its own. The model embeds each step, runs two
//! sequence slots (attention, convolutions, a GRU or nothing) and averages over the steps; the
//! batches are plain `[batch, steps, 1]` tensors, no image in sight.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use modnas::estim::{register_task, Batches, EstimError, Task, TaskData};
use modnas::core::MetricMap;
use modnas::prelude::Slot;

const STEPS: usize = 32;
const SHAPES: usize = 3;

/// The classifier: a linear embedding, two sequence slots, a mean over the steps, a head.
#[derive(Module, Debug)]
pub struct WaveNet {
    embed: Linear,
    layers: Vec<Slot>,
    head: Linear,
}

impl WaveNet {
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let h = self
            .layers
            .iter()
            .fold(self.embed.forward(x), |h, l| l.forward_seq(h));
        let [n, _, dim] = h.dims();
        self.head.forward(h.mean_dim(1).reshape([n, dim]))
    }
}

/// A batch of waveforms `[batch, STEPS, 1]` and their shapes.
#[derive(Clone, Debug)]
pub struct Waves {
    x: Tensor<3>,
    shape: Tensor<1, Int>,
}

/// The task's arguments (`[task] args`): waveforms per split and the model's width. Their
/// schema (`JsonSchema`) lets `modnas list --detail` show each key with its doc.
#[derive(serde::Deserialize, modnas::schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(crate = "modnas::schemars")]
pub struct WaveformTask {
    /// Waveforms in each of the training and validation sets.
    pub waves: usize,
    /// Width of the embedding and the sequence layers.
    pub dim: usize,
}

/// A pseudo-random number in [0, 1) of `i` and `salt` (a hash: no generator to carry).
fn unit(i: usize, salt: usize) -> f32 {
    let h = (i as u64 ^ (salt as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 40) as f32) / (1u64 << 24) as f32
}

/// Waveforms `first..first + n` in batches of 16.
fn waves(first: usize, n: usize, device: &Device) -> Vec<Waves> {
    let make = |i: usize| {
        let (shape, freq, phase) = (i % SHAPES, 1.0 + 3.0 * unit(i, 1), unit(i, 2));
        let x = (0..STEPS).map(move |t| {
            let cycle = (freq * t as f32 / STEPS as f32 + phase).fract();
            let clean = match shape {
                0 => (std::f32::consts::TAU * cycle).sin(),
                1 => {
                    if cycle < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                _ => 2.0 * cycle - 1.0,
            };
            clean + 0.3 * (unit(i * STEPS + t, 3) - 0.5)
        });
        (x, shape as i64)
    };
    (first..first + n)
        .collect::<Vec<_>>()
        .chunks(16)
        .map(|ids| {
            let (xs, shapes): (Vec<_>, Vec<_>) = ids.iter().map(|&i| make(i)).unzip();
            let x: Vec<f32> = xs.into_iter().flatten().collect();
            Waves {
                x: Tensor::from_data(TensorData::new(x, [ids.len(), STEPS, 1]), device),
                shape: Tensor::from_data(TensorData::new(shapes, [ids.len()]), device),
            }
        })
        .collect()
}

impl Task for WaveformTask {
    type Model = WaveNet;
    type Batch = Waves;

    fn model(&self, device: &Device) -> Result<WaveNet, EstimError> {
        Ok(WaveNet {
            embed: LinearConfig::new(1, self.dim).init(device),
            layers: (0..2).map(|_| Slot::sequence(self.dim)).collect(),
            head: LinearConfig::new(self.dim, SHAPES).init(device),
        })
    }

    fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Waves>, EstimError> {
        let valid = waves(self.waves, self.waves, device);
        Ok(TaskData::new(waves(0, self.waves, device), valid))
    }

    fn loss(&self, net: &WaveNet, b: &Waves) -> Result<Tensor<1>, EstimError> {
        let ce = CrossEntropyLossConfig::new().init(&b.x.device());
        Ok(ce.forward(net.forward(b.x.clone()), b.shape.clone()))
    }

    fn evaluate(&self, net: &WaveNet, valid: &dyn Batches<Waves>) -> Result<MetricMap, EstimError> {
        let (mut hits, mut n) = (0, 0);
        for b in valid.epoch() {
            let b = b?;
            let pred = net.forward(b.x).argmax(1).reshape([b.shape.dims()[0]]);
            hits += pred.equal(b.shape.clone()).int().sum().into_scalar::<i64>();
            n += b.shape.dims()[0] as i64;
        }
        Ok(MetricMap::from([(
            "acc".to_string(),
            hits as f64 / n as f64,
        )]))
    }
}

register_task!(
    /// this crate's own: the shape (sine, square, sawtooth) of a noisy waveform, by a sequence
    /// model
    "WaveformTask", WaveformTask
);
