//! `RowTransformer`: an image read as a sequence of its rows (the 8×8 digits: 8 steps of 8
//! features), embedded linearly with a learned position, through blocks of sequence slots — a
//! token mixer (attention, 1-D convolution, identity), a feed-forward and its activation — then
//! mean-pooled into a linear head. Its slots are rank-3 (`Slot::sequence`), so the same
//! discrete searches and supernets that serve CNNs serve a transformer.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::RowTransformerConfig;
//! let device = Device::default();
//! let net = RowTransformerConfig::new(1, 10, 8, 8).with_dim(8).init(&device).unwrap();
//! let c = construct(net, &CandidateSets::default(), &device).unwrap();
//! assert!(c.space.names().any(|p| p == "blocks.0.mixer"));
//! let logits = NasModule::forward(&c.model, Tensor::zeros([2, 1, 8, 8], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```

use super::head::{bad_args, check_io, with_head_cost};
use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::{
    nas_config, ConstructError, Cost, LayerCost, NasModule, Slot, SlotSpec, CANDIDATES_KEY,
};
use serde::{Deserialize, Serialize};

/// One block: `x ← mixer(x)`, then `x ← x + act(ffn(norm(x)))`.
#[derive(Module, Debug)]
pub struct RowBlock {
    /// The token mixer (a sequence slot).
    pub mixer: Slot,
    norm: LayerNorm,
    /// The feed-forward (a sequence slot).
    pub ffn: Slot,
    /// Its activation (a sequence slot).
    pub act: Slot,
}

/// The rows of an image as a sequence, through searched blocks.
#[derive(Module, Debug)]
pub struct RowTransformer {
    embed: Linear,
    position: Param<Tensor<2>>,
    /// The blocks.
    pub blocks: Vec<RowBlock>,
    norm: LayerNorm,
    head: Linear,
}

fn slot(dim: usize, candidates: &[String]) -> Slot {
    let names: Vec<toml::Value> = candidates.iter().map(|c| c.as_str().into()).collect();
    Slot::from_spec(SlotSpec::sequence(dim).with_arg(CANDIDATES_KEY, names))
}

impl NasModule for RowTransformer {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let [n, c, h, w] = x.dims();
        // Row `i` of every channel is token `i`.
        let tokens = x.permute([0, 2, 1, 3]).reshape([n, h, c * w]);
        let x = self.embed.forward(tokens) + self.position.val().unsqueeze_dim(0);
        let x = self.blocks.iter().fold(x, |x, b| {
            let x = b.mixer.forward_seq(x);
            let y = b
                .act
                .forward_seq(b.ffn.forward_seq(b.norm.forward(x.clone())));
            x + y
        });
        let pooled = self.norm.forward(x).mean_dim(1);
        let [_, _, d] = pooled.dims();
        self.head.forward(pooled.reshape([n, d]))
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let (n, c, h, w) = (input[0], input[1], input[2], input[3]);
        let embed = self.embed.layer_cost(&[n, h, c * w]);
        let body = self.blocks.iter().fold(embed, |acc, b| {
            let mixed = b.mixer.cost(&acc.output);
            let ffn = b.ffn.cost(&mixed.output);
            let act = b.act.cost(&ffn.output);
            acc.then(mixed).then(ffn).then(act)
        });
        let [_, _, d] = [body.output[0], body.output[1], body.output[2]];
        let pooled = Cost {
            output: vec![n, d, 1, 1],
            ..body
        };
        with_head_cost(pooled, &self.head)
    }
}

/// How to build a [`RowTransformer`]; its serde form is the model's TOML `[model.args]`, where
/// the input channels, classes and image size come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowTransformerConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// Image height: the sequence length.
    #[serde(skip)]
    pub height: usize,
    /// Image width (times channels: the features of a token).
    #[serde(skip)]
    pub width: usize,
    /// Model dimension.
    #[config(default = 16)]
    pub dim: usize,
    /// Blocks.
    #[config(default = 2)]
    pub blocks: usize,
    /// Candidates of every token mixer.
    #[config(default = strings(&["TEL_H2F2", "TEL_H4F2", "C1D3", "C1D5", "IDT"]))]
    pub mixers: Vec<String>,
    /// Candidates of every feed-forward.
    #[config(default = strings(&["MLP2", "MLP4", "LIN", "NIL"]))]
    pub ffns: Vec<String>,
    /// Candidates of every activation.
    #[config(default = strings(&["RELU", "GELU", "SILU"]))]
    pub acts: Vec<String>,
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

impl RowTransformerConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<RowTransformer, ConstructError> {
        let bad = |reason: String| bad_args("RowTransformer", reason);
        check_io("RowTransformer", self.c_in, self.classes)?;
        if self.dim == 0 || self.blocks == 0 || self.height == 0 || self.width == 0 {
            return Err(bad(format!(
                "`dim` ({}), `blocks` ({}) and the image size ({}×{}) must be positive",
                self.dim, self.blocks, self.height, self.width
            )));
        }
        for (key, set) in [
            ("mixers", &self.mixers),
            ("ffns", &self.ffns),
            ("acts", &self.acts),
        ] {
            if set.is_empty() {
                return Err(bad(format!("`{key}` names no candidate")));
            }
        }
        let d = self.dim;
        let blocks = (0..self.blocks)
            .map(|_| RowBlock {
                mixer: slot(d, &self.mixers),
                norm: LayerNormConfig::new(d).init(device),
                ffn: slot(d, &self.ffns),
                act: slot(d, &self.acts),
            })
            .collect();
        Ok(RowTransformer {
            embed: LinearConfig::new(self.c_in * self.width, d).init(device),
            position: Param::from_tensor(Tensor::random(
                [self.height, d],
                Distribution::Normal(0.0, 0.02),
                device,
            )),
            blocks,
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, self.classes).init(device),
        })
    }
}

crate::builtin_model::register_builtin_model!(
    /// an image's rows as a sequence: embedding, blocks of sequence slots (token mixer,
    /// feed-forward, activation), pooling and a linear head
    "RowTransformer", RowTransformerConfig { c_in: channels, classes: classes, height: height, width: width }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, CandidateSets};

    #[test]
    fn every_candidate_runs_and_costs_add_up() {
        let device = Device::default();
        let net = RowTransformerConfig::new(1, 3, 8, 8)
            .with_dim(8)
            .with_blocks(1)
            .init(&device)
            .unwrap();
        let mut c = construct(net, &CandidateSets::default(), &device).unwrap();
        let x = || Tensor::<4>::ones([2, 1, 8, 8], &device);
        for mixer in ["TEL_H2F2", "C1D5", "IDT"] {
            for ffn in ["MLP4", "NIL"] {
                let arch = [("blocks.0.mixer", mixer), ("blocks.0.ffn", ffn)]
                    .into_iter()
                    .collect();
                c.apply(&arch).unwrap();
                assert_eq!(NasModule::forward(&c.model, x()).dims(), [2, 3]);
                let cost = NasModule::cost(&c.model, &[1, 1, 8, 8]);
                assert_eq!(cost.output, [1, 3], "{mixer} {ffn}");
            }
        }
        let e = RowTransformerConfig::new(1, 3, 8, 8)
            .with_acts(vec![])
            .init(&device)
            .unwrap_err();
        assert!(e.to_string().contains("`acts`"), "{e}");
    }
}
