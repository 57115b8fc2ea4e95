//! `NB201Net`: the NAS-Bench-201 search network (Dong & Yang, 2020) — a stem, three stages
//! of `cells` cells with `C`, `2C`, `4C` channels joined by residual reduction blocks, and a
//! BN-ReLU-pool-linear head. Every cell is a [`DAGLayer`] of 4 nodes and 6 edges, bound to
//! the parameters `edge_1_0 … edge_3_2` shared by all cells, so an architecture found here is
//! keyed like a NAS-Bench-201 table (with the NB201 op names `none`, `skip_connect`,
//! `nor_conv_1x1`, `nor_conv_3x3`, `avg_pool_3x3`).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::{NB201NetConfig, NB201_CANDIDATES};
//! let device = Device::default();
//! let net = NB201NetConfig::new(3, 10).with_channels(4).with_cells(1).init(&device).unwrap();
//! let c = construct(net, &CandidateSets::mixed("DARTSMixedOp", NB201_CANDIDATES), &device).unwrap();
//! assert_eq!(c.space.len(), 6);
//! assert_eq!(NasModule::forward(&c.model, Tensor::zeros([1, 3, 8, 8], &device)).dims(), [1, 10]);
//! ```

use super::head::{bad_args, check_io, pool_classify, with_head_cost};
use burn::module::Module;
use burn::nn::{BatchNorm, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use modnas_construct::kernels::batch_norm_forward;
use modnas_construct::nas_config;
use modnas_construct::ops::{batch_norm, ConvLayer};
use modnas_construct::{
    build_candidate, CandidateBox, ConstructError, Cost, DAGLayer, DagOutput, NasModule, SlotSpec,
};
use serde::{Deserialize, Serialize};

/// The NB201 operations, by their NB201 names (the candidates of [`NB201Net`]'s edges).
pub const NB201_CANDIDATES: [&str; 5] = modnas_construct::ops::NB201_OPS;

/// The residual reduction block between stages: two ReLU-conv-BN 3×3 (the first strided)
/// plus a factorized-reduce shortcut.
#[derive(Module, Debug)]
pub struct ResReduce {
    a: CandidateBox,
    b: CandidateBox,
    shortcut: CandidateBox,
}

impl ResReduce {
    fn new(c_in: usize, c_out: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            a: build_candidate("RCB3", &SlotSpec::new(c_in, c_out, 2), device)?,
            b: build_candidate("RCB3", &SlotSpec::new(c_out, c_out, 1), device)?,
            shortcut: build_candidate("IDT", &SlotSpec::new(c_in, c_out, 2), device)?,
        })
    }
}

/// A cell or a reduction block.
#[derive(Module, Debug)]
pub enum NB201Block {
    /// A searchable cell.
    Cell(DAGLayer),
    /// A reduction block.
    Reduce(ResReduce),
}

impl NB201Block {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            NB201Block::Cell(c) => c.forward(vec![x]),
            NB201Block::Reduce(r) => r.b.forward(r.a.forward(x.clone())) + r.shortcut.forward(x),
        }
    }

    fn cost(&self, input: &[usize]) -> Cost {
        match self {
            NB201Block::Cell(c) => c.cost(&[input.to_vec()]),
            NB201Block::Reduce(r) => {
                let a = r.a.cost(input);
                let b = r.b.cost(&a.output);
                let s = r.shortcut.cost(input);
                let output = b.output.clone();
                Cost::merge([a, b, s], output)
            }
        }
    }
}

/// The NAS-Bench-201 search network.
#[derive(Module, Debug)]
pub struct NB201Net {
    stem: ConvLayer,
    stem_bn: BatchNorm,
    blocks: Vec<NB201Block>,
    head_bn: BatchNorm,
    head: Linear,
}

impl NB201Net {
    /// A network for `c_in`-channel images and `classes` classes with `channels` (C) in the
    /// first stage and `cells` cells per stage (NB201: C = 16, 5 cells).
    pub(crate) fn new(
        c_in: usize,
        classes: usize,
        channels: usize,
        cells: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let mut blocks = vec![];
        let mut c = channels;
        for stage in 0..3 {
            if stage > 0 {
                blocks.push(NB201Block::Reduce(ResReduce::new(c, 2 * c, device)?));
                c *= 2;
            }
            for _ in 0..cells {
                let dag = DAGLayer::new(1, 3, c, false, DagOutput::Last, None)
                    .with_edge_params(&modnas_construct::ops::NB201_EDGES);
                blocks.push(NB201Block::Cell(dag));
            }
        }
        Ok(Self {
            stem: ConvLayer::new(c_in, channels, 3, 1, 1, 1, device)?,
            stem_bn: batch_norm(channels, device),
            blocks,
            head_bn: batch_norm(c, device),
            head: LinearConfig::new(c, classes).init(device),
        })
    }
}

impl NasModule for NB201Net {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = batch_norm_forward(&self.stem_bn, self.stem.forward(x));
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        pool_classify(relu(batch_norm_forward(&self.head_bn, x)), &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let stem = self.stem.cost(input);
        let body = self.blocks.iter().fold(stem, |acc, b| {
            let next = b.cost(&acc.output);
            acc.then(next)
        });
        with_head_cost(body, &self.head)
    }
}

/// How to build a [`NB201Net`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NB201NetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// C: channels of the first stage; even.
    #[config(default = 16)]
    pub channels: usize,
    /// Cells per stage.
    #[config(default = 5)]
    pub cells: usize,
}

impl NB201NetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<NB201Net, ConstructError> {
        check_io("NB201Net", self.c_in, self.classes)?;
        let (channels, cells) = (self.channels, self.cells);
        if channels < 2 || !channels.is_multiple_of(2) || cells == 0 {
            return Err(bad_args(
                "NB201Net",
                format!("`channels` = {channels} must be even and at least 2, `cells` = {cells} at least 1"),
            ));
        }
        NB201Net::new(self.c_in, self.classes, channels, cells, device)
    }
}

crate::builtin_model::register_builtin_model!(
    /// the NAS-Bench-201 space: three stages of 4-node cells with NB201-named edges
    "NB201Net", NB201NetConfig { c_in: channels, classes: classes }
);
