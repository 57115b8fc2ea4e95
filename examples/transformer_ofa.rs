//! Once-for-all training of a transformer of your own over the rows of the embedded digits
//! (8 steps × 8 features): each block's feed-forward width is an `ElasticLinear` and the depth
//! an `ElasticHandle` over the model's own blocks. One supernet is trained with the sandwich
//! rule (the largest, the smallest and one random sub-network per batch, BigNAS); then
//! sub-networks are exported to plain Burn layers, with their inherited weights, and scored
//! without retraining.
//!
//! ```text
//! cargo run --release --example transformer_ofa -- --epochs 12
//! ```

use anyhow::Context;
use burn::module::{Module, Param};
use burn::nn::attention::{MhaInput, MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::gelu;
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::{construct, CandidateSets, Constructed, ElasticHandle, ElasticLinear};
use modnas::estim::data::{load_data, ImageDataset};
use modnas::param_space::ArchDesc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DIM: usize = 16;
const MAX_DEPTH: usize = 3;

/// Attention, then a feed-forward whose hidden width is elastic.
#[derive(Module, Debug)]
struct Block {
    attn: MultiHeadAttention,
    norm1: LayerNorm,
    norm2: LayerNorm,
    up: ElasticLinear,
    down: ElasticLinear,
}

/// Pre-norm attention, then the feed-forward `ffn`, each with its residual: the block of the
/// supernet and of an exported network alike.
fn residual_block(
    (attn, norm1, norm2): (&MultiHeadAttention, &LayerNorm, &LayerNorm),
    x: Tensor<3>,
    ffn: impl FnOnce(Tensor<3>) -> Tensor<3>,
) -> Tensor<3> {
    let a = attn.forward(MhaInput::self_attn(norm1.forward(x.clone())));
    let x = x + a.context;
    let h = norm2.forward(x.clone());
    x + ffn(h)
}

/// An image's rows as tokens: embedded, with their learned positions.
fn tokens(embed: &Linear, position: &Param<Tensor<2>>, images: Tensor<4>) -> Tensor<3> {
    let [n, _, h, w] = images.dims();
    embed.forward(images.reshape([n, h, w])) + position.val().unsqueeze_dim(0)
}

/// The tokens' mean, then the head.
fn classify(head: &Linear, x: Tensor<3>) -> Tensor<2> {
    let [n, _, d] = x.dims();
    head.forward(x.mean_dim(1).reshape([n, d]))
}

impl Block {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let parts = (&self.attn, &self.norm1, &self.norm2);
        residual_block(parts, x, |h| self.down.forward(gelu(self.up.forward(h))))
    }
}

/// The supernet: embedding, `depth` of its blocks, pooled head.
#[derive(Module, Debug)]
struct Supernet {
    embed: Linear,
    position: Param<Tensor<2>>,
    blocks: Vec<Block>,
    depth: ElasticHandle,
    head: Linear,
}

impl Supernet {
    fn new(device: &Device) -> anyhow::Result<Self> {
        let blocks = (0..MAX_DEPTH)
            .map(|i| -> anyhow::Result<Block> {
                let ffn = ElasticHandle::new(&format!("blocks.{i}.ffn"), &[4, 2, 1])?;
                Ok(Block {
                    attn: MultiHeadAttentionConfig::new(DIM, 2)
                        .with_dropout(0.0)
                        .init(device),
                    norm1: LayerNormConfig::new(DIM).init(device),
                    norm2: LayerNormConfig::new(DIM).init(device),
                    up: ElasticLinear::new(DIM, DIM, ffn, device)?,
                    down: ElasticLinear::fixed(4 * DIM, DIM, device),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            embed: LinearConfig::new(8, DIM).init(device),
            position: Param::from_tensor(Tensor::random(
                [8, DIM],
                Distribution::Normal(0.0, 0.02),
                device,
            )),
            blocks,
            depth: ElasticHandle::new("depth", &[3, 2, 1])?,
            head: LinearConfig::new(DIM, 10).init(device),
        })
    }

    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = tokens(&self.embed, &self.position, images);
        let blocks = self.depth.active_prefix(&self.blocks);
        classify(&self.head, blocks.iter().fold(x, |x, b| b.forward(x)))
    }

    /// The active sub-network with plain Burn layers and the inherited weights.
    fn export(&self) -> Exported {
        let blocks = self
            .depth
            .active_prefix(&self.blocks)
            .iter()
            .map(|b| PlainBlock {
                attn: b.attn.clone(),
                norm1: b.norm1.clone(),
                norm2: b.norm2.clone(),
                up: b.up.export_active(DIM),
                down: b.down.export_active(b.up.width()),
            })
            .collect();
        Exported {
            embed: self.embed.clone(),
            position: self.position.clone(),
            blocks,
            head: self.head.clone(),
        }
    }
}

#[derive(Module, Debug)]
struct PlainBlock {
    attn: MultiHeadAttention,
    norm1: LayerNorm,
    norm2: LayerNorm,
    up: Linear,
    down: Linear,
}

/// A sub-network on its own: no handles, no slicing.
#[derive(Module, Debug)]
struct Exported {
    embed: Linear,
    position: Param<Tensor<2>>,
    blocks: Vec<PlainBlock>,
    head: Linear,
}

impl Exported {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = tokens(&self.embed, &self.position, images);
        let x = self.blocks.iter().fold(x, |x, b| {
            let parts = (&b.attn, &b.norm1, &b.norm2);
            residual_block(parts, x, |h| b.down.forward(gelu(b.up.forward(h))))
        });
        classify(&self.head, x)
    }
}

/// Depth `d` and every block's feed-forward ratio `r`.
fn uniform_arch(d: i64, r: i64) -> ArchDesc {
    let mut arch: ArchDesc = [("depth", d)].into_iter().collect();
    for i in 0..MAX_DEPTH {
        arch.insert(format!("blocks.{i}.ffn"), r);
    }
    arch
}

fn random_arch(rng: &mut StdRng) -> ArchDesc {
    let mut arch: ArchDesc = [("depth", rng.random_range(1..=3i64))]
        .into_iter()
        .collect();
    for i in 0..MAX_DEPTH {
        arch.insert(
            format!("blocks.{i}.ffn"),
            [1i64, 2, 4][rng.random_range(0..3)],
        );
    }
    arch
}

/// Sandwich-rule training: per batch, the largest, the smallest and a random sub-network add
/// their losses, one backward pass, one Adam step.
fn train(
    c: &mut Constructed<Supernet>,
    data: &ImageDataset,
    epochs: usize,
    device: &Device,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(0);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let order: Vec<usize> = (0..data.len()).collect();
    for _ in 0..epochs {
        for batch in order.chunks(64) {
            let (x, y) = data.batch(batch, device);
            let mut loss: Option<Tensor<1>> = None;
            for arch in [
                uniform_arch(3, 4),
                uniform_arch(1, 1),
                random_arch(&mut rng),
            ] {
                c.apply(&arch)?;
                let l = loss_fn.forward(c.model.forward(x.clone()), y.clone());
                loss = Some(match loss {
                    Some(sum) => sum + l,
                    None => l,
                });
            }
            let loss = loss.context("three sub-networks")?;
            let model = c.model.clone();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            c.model = optim.step(0.003, model, grads);
        }
    }
    Ok(())
}

fn accuracy(forward: impl Fn(Tensor<4>) -> Tensor<2>, data: &ImageDataset, device: &Device) -> f64 {
    let (x, y) = data.batch(&(0..data.len()).collect::<Vec<_>>(), device);
    let hits = forward(x)
        .argmax(1)
        .reshape([data.len()])
        .equal(y)
        .int()
        .sum();
    hits.into_scalar::<i64>() as f64 / data.len() as f64
}

/// One scored sub-network.
struct Scored {
    name: String,
    params: usize,
    /// Validation accuracy inside the supernet.
    acc: f64,
    /// Validation accuracy of the exported network.
    exported: f64,
    /// The largest difference between their outputs.
    gap: f32,
}

/// Trains the supernet for `epochs` and scores three of its sub-networks.
fn run(epochs: usize) -> anyhow::Result<Vec<Scored>> {
    let data = load_data("Digits", &toml::Table::new(), 0)?;
    let device = Device::default().autodiff();
    device.seed(0);
    let mut c = construct(Supernet::new(&device)?, &CandidateSets::default(), &device)?;
    train(&mut c, &data.train, epochs, &device)?;
    let inner = device.clone().inner();
    let mut rows = vec![];
    for (d, r) in [(3, 4), (2, 2), (1, 1)] {
        c.apply(&uniform_arch(d, r))?;
        let net = c.model.valid();
        let plain = c.model.export().valid();
        let (x, _) = data
            .valid
            .batch(&(0..data.valid.len()).collect::<Vec<_>>(), &inner);
        let gap = (net.forward(x.clone()) - plain.forward(x))
            .abs()
            .max()
            .into_scalar::<f32>();
        rows.push(Scored {
            name: format!("depth {d}, ffn {r}×"),
            params: plain.num_params(),
            acc: accuracy(|x| net.forward(x), &data.valid, &inner),
            exported: accuracy(|x| plain.forward(x), &data.valid, &inner),
            gap,
        });
    }
    Ok(rows)
}

fn main() -> anyhow::Result<()> {
    let mut epochs = 12;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--epochs" => epochs = args.next().context("--epochs N")?.parse()?,
            other => anyhow::bail!("unknown argument `{other}`; use --epochs N"),
        }
    }
    let start = std::time::Instant::now();
    let rows = run(epochs)?;
    println!("sub-network            params   acc (supernet)   acc (exported)   max |Δ output|");
    for r in rows {
        println!(
            "{:<22} {:>6}   {:>14.3}   {:>14.3}   {:>14.2e}",
            r.name, r.params, r.acc, r.exported, r.gap
        );
    }
    println!("{epochs} epochs, {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn exported_subnetworks_compute_what_the_supernet_computes() {
        let rows = super::run(1).unwrap();
        let params: Vec<usize> = rows.iter().map(|r| r.params).collect();
        assert!(params[0] > params[1] && params[1] > params[2], "{params:?}");
        for r in rows {
            assert!(r.gap < 1e-4, "{}: outputs differ by {}", r.name, r.gap);
            let same = (r.acc - r.exported).abs() < 1e-9;
            assert!(same, "{}: {} against {}", r.name, r.acc, r.exported);
        }
    }
}
