//! `HierarchicalNet`: the hierarchical search space of Liu et al. 2018, as NASLib builds it
//! for CIFAR-10. Three levels, all modnas layers:
//! - level 1, primitives ([`LEVEL1_PRIMITIVES`]);
//! - level 2, motifs `Motif0` … : dense DAGs of `motif_nodes` nodes whose edges are slots
//!   over the primitives, bound to `motif{k}.e{i}` and shared by every copy of the motif;
//! - level 3, the cell: a dense DAG of `cell_nodes` nodes whose edges are slots over the
//!   motifs, bound to `cell.e{i}` and shared by the three cells.
//!
//! The network is a 3×3 conv-BN stem, then the cell at `C`, `2C` and `4C` channels with a
//! strided separable convolution between stages, a last separable convolution, global
//! pooling and a linear classifier. Nodes sum their in-edges; a DAG outputs its last node.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::HierarchicalNetConfig;
//! let device = Device::default();
//! let net = HierarchicalNetConfig::new(3, 10)
//!     .with_channels(4)
//!     .with_motifs(2)
//!     .with_motif_nodes(3)
//!     .with_cell_nodes(3)
//!     .init(&device)
//!     .unwrap();
//! let sets = CandidateSets::mixed("DARTSMixedOp", Vec::<String>::new());
//! let c = construct(net, &sets, &device).unwrap();
//! assert_eq!(c.space.len(), 3 + 2 * 3); // cell edges, then each motif's edges
//! assert_eq!(NasModule::forward(&c.model, Tensor::zeros([1, 3, 8, 8], &device)).dims(), [1, 10]);
//! ```

use super::head::{bad_args, check_io, pool_classify, with_head_cost};
use burn::module::Module;
use burn::nn::{BatchNorm, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use modnas_construct::kernels::batch_norm_forward;
use modnas_construct::nas_config;
use modnas_construct::ops::{batch_norm, ConvLayer};
use modnas_construct::{
    build_candidate, CandidateBox, ConstructError, Cost, DAGLayer, DagOutput, NasModule, SlotSpec,
    CANDIDATES_KEY, LEVEL1_PRIMITIVES, MAX_MOTIFS, MOTIF_CANDIDATES_KEY, MOTIF_NODES_KEY,
};
use serde::{Deserialize, Serialize};

/// The shape of the hierarchy (Liu et al. 2018: 6 motifs of 5 nodes, a cell of 6 nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct HierarchicalShape {
    /// Number of level-2 motifs, at most 8.
    pub motifs: usize,
    /// Nodes of a motif, input and output included (at least 2).
    pub motif_nodes: usize,
    /// Nodes of the cell, input and output included (at least 2).
    pub cell_nodes: usize,
    /// The level-1 primitives of the motifs' edges.
    pub primitives: Vec<String>,
}

impl Default for HierarchicalShape {
    fn default() -> Self {
        Self {
            motifs: 6,
            motif_nodes: 5,
            cell_nodes: 6,
            primitives: LEVEL1_PRIMITIVES.map(String::from).to_vec(),
        }
    }
}

/// The hierarchical search network.
#[derive(Module, Debug)]
pub struct HierarchicalNet {
    stem: ConvLayer,
    stem_bn: BatchNorm,
    cells: Vec<DAGLayer>,
    /// The strided separable convolutions after the first two cells, then the last one.
    convs: Vec<CandidateBox>,
    head: Linear,
}

impl HierarchicalNet {
    /// A network for `c_in`-channel images and `classes` classes, `channels` (C) in the first
    /// stage.
    pub(crate) fn new(
        c_in: usize,
        classes: usize,
        channels: usize,
        shape: &HierarchicalShape,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let bad = |reason: String| bad_args("HierarchicalNet", reason);
        if !(1..=MAX_MOTIFS).contains(&shape.motifs) {
            return Err(bad(format!(
                "`motifs` = {} must lie in 1..={MAX_MOTIFS}",
                shape.motifs
            )));
        }
        if shape.motif_nodes < 2 || shape.cell_nodes < 2 || channels == 0 {
            return Err(bad(format!(
                "`motif_nodes` = {} and `cell_nodes` = {} must be at least 2, `channels` = {channels} at least 1",
                shape.motif_nodes, shape.cell_nodes
            )));
        }
        let motif_names: Vec<toml::Value> = (0..shape.motifs)
            .map(|k| format!("Motif{k}").into())
            .collect();
        let primitives: Vec<toml::Value> =
            shape.primitives.iter().map(|p| p.as_str().into()).collect();
        let edges = shape.cell_nodes * (shape.cell_nodes - 1) / 2;
        let edge_names: Vec<String> = (0..edges).map(|i| format!("cell.e{i}")).collect();
        let edge_names: Vec<&str> = edge_names.iter().map(String::as_str).collect();
        let widths = [channels, 2 * channels, 4 * channels];
        let mut cells = vec![];
        let mut convs = vec![];
        for (s, &c) in widths.iter().enumerate() {
            let cell = DAGLayer::new(1, shape.cell_nodes - 1, c, false, DagOutput::Last, None)
                .with_edge_params(&edge_names)
                .with_edge_arg(CANDIDATES_KEY, motif_names.clone())
                .with_edge_arg(MOTIF_NODES_KEY, shape.motif_nodes as i64)
                .with_edge_arg(MOTIF_CANDIDATES_KEY, primitives.clone());
            cells.push(cell);
            let (next, stride) = match widths.get(s + 1) {
                Some(&next) => (next, 2),
                None => (c, 1),
            };
            convs.push(build_candidate(
                "SC3",
                &SlotSpec::new(c, next, stride),
                device,
            )?);
        }
        Ok(Self {
            stem: ConvLayer::new(c_in, channels, 3, 1, 1, 1, device)?,
            stem_bn: batch_norm(channels, device),
            cells,
            convs,
            head: LinearConfig::new(widths[2], classes).init(device),
        })
    }
}

impl NasModule for HierarchicalNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = batch_norm_forward(&self.stem_bn, self.stem.forward(x));
        for (cell, conv) in self.cells.iter().zip(&self.convs) {
            x = conv.forward(cell.forward(vec![x]));
        }
        pool_classify(x, &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let mut acc = self.stem.cost(input);
        for (cell, conv) in self.cells.iter().zip(&self.convs) {
            let c = cell.cost(&[acc.output.clone()]);
            let v = conv.cost(&c.output);
            acc = acc.then(c).then(v);
        }
        with_head_cost(acc, &self.head)
    }
}

/// How to build a [`HierarchicalNet`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HierarchicalNetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// C: channels of the first stage.
    #[config(default = 16)]
    pub channels: usize,
    /// Level-2 motifs (at most 8).
    #[config(default = HierarchicalShape::default().motifs)]
    pub motifs: usize,
    /// Nodes of a motif, input and output included.
    #[config(default = HierarchicalShape::default().motif_nodes)]
    pub motif_nodes: usize,
    /// Nodes of the cell, input and output included.
    #[config(default = HierarchicalShape::default().cell_nodes)]
    pub cell_nodes: usize,
    /// The level-1 primitives of the motifs' edges.
    #[config(default = HierarchicalShape::default().primitives)]
    pub primitives: Vec<String>,
}

impl HierarchicalNetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<HierarchicalNet, ConstructError> {
        check_io("HierarchicalNet", self.c_in, self.classes)?;
        let shape = HierarchicalShape {
            motifs: self.motifs,
            motif_nodes: self.motif_nodes,
            cell_nodes: self.cell_nodes,
            primitives: self.primitives.clone(),
        };
        HierarchicalNet::new(self.c_in, self.classes, self.channels, &shape, device)
    }
}

crate::builtin_model::register_builtin_model!(
    /// the hierarchical space of Liu et al. 2018: a cell of motifs of primitives
    "HierarchicalNet", HierarchicalNetConfig { c_in: channels, classes: classes }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, CandidateSets};
    use modnas_metrics::trainable_params;
    use modnas_param_space::{ArchDesc, ParamKind};

    /// 2 motifs of 3 nodes (3 edges), a cell of 3 nodes (3 edges), primitives IDT and NC1.
    fn small() -> HierarchicalShape {
        HierarchicalShape {
            motifs: 2,
            motif_nodes: 3,
            cell_nodes: 3,
            primitives: vec!["IDT".into(), "NC1".into()],
        }
    }

    /// Trainable parameters of the small net for 3-channel input, 10 classes, C = 4, when
    /// every stage holds `nc1_per_cell` 1×1 conv-BN-ReLUs (IDT has none).
    fn hand_count(nc1_per_cell: usize) -> usize {
        let stem = 3 * 4 * 9 + 2 * 4;
        let nc1 = |c: usize| c * c + 2 * c;
        let cells: usize = [4, 8, 16].iter().map(|&c| nc1_per_cell * nc1(c)).sum();
        // A separable conv: (dw 3×3, pw c_in→c_in, BN) then (dw 3×3, pw c_in→c_out, BN).
        let sep = |ci: usize, co: usize| (9 * ci + ci * ci + 2 * ci) + (9 * ci + ci * co + 2 * co);
        let convs = sep(4, 8) + sep(8, 16) + sep(16, 16);
        let head = 16 * 10 + 10;
        stem + cells + convs + head
    }

    #[test]
    fn the_supernet_builds_runs_backward_and_counts_like_a_hand_computation() {
        let device = Device::default().autodiff();
        let net = HierarchicalNet::new(3, 10, 4, &small(), &device).unwrap();
        let sets = CandidateSets::mixed("DARTSMixedOp", Vec::<String>::new());
        let c = construct(net, &sets, &device).unwrap();
        let names: Vec<&str> = c.space.names().collect();
        assert_eq!(
            names,
            [
                "cell.e0",
                "motif0.e0",
                "motif0.e1",
                "motif0.e2",
                "motif1.e0",
                "motif1.e1"
            ]
            .into_iter()
            .chain(["motif1.e2", "cell.e1", "cell.e2"])
            .collect::<Vec<_>>()
        );
        // Every cell edge holds both motifs, each with 3 edges over {IDT, NC1}.
        assert_eq!(trainable_params(&c.model), hand_count(3 * 2 * 3));
        let y = NasModule::forward(&c.model, Tensor::ones([2, 3, 8, 8], &device));
        assert_eq!(y.dims(), [2, 10]);
        let grads = y.sum().backward();
        for name in ["cell.e2", "motif0.e1", "motif1.e2"] {
            let Some(ParamKind::Tensor(alpha)) = c.space.get(name).map(|p| p.kind()) else {
                panic!("{name} is not an α");
            };
            let g = alpha.value().grad(&grads).expect("α has a gradient");
            let g: Vec<f32> = g.into_data().try_to_vec::<f32>().unwrap();
            assert!(g.iter().any(|v| v.abs() > 0.0), "{name}: {g:?}");
        }
        assert_eq!(c.mixed.len(), 3 * 3 + 3 * 2 * 3 * 3);
    }

    #[test]
    fn a_discrete_choice_rebuilds_the_motifs_with_their_current_edges() {
        let device = Device::default();
        let net = HierarchicalNet::new(3, 10, 4, &small(), &device).unwrap();
        let sets = CandidateSets::default();
        let mut c = construct(net, &sets, &device).unwrap();
        // Initially every edge holds its first candidate: Motif0, whose edges are IDT.
        assert_eq!(trainable_params(&c.model), hand_count(0));
        let mut arch = ArchDesc::new();
        for i in 0..3 {
            arch.insert(format!("cell.e{i}"), "Motif1");
            arch.insert(format!("motif1.e{i}"), "NC1");
        }
        c.apply(&arch).unwrap();
        assert_eq!(trainable_params(&c.model), hand_count(3 * 3));
        // An inner edge alone changes every copy of its motif.
        c.apply(&[("motif1.e0", "IDT")].into_iter().collect())
            .unwrap();
        assert_eq!(trainable_params(&c.model), hand_count(3 * 2));
        c.apply(&[("motif0.e0", "NC1")].into_iter().collect())
            .unwrap();
        assert_eq!(trainable_params(&c.model), hand_count(3 * 2));
        let y = NasModule::forward(&c.model, Tensor::zeros([1, 3, 8, 8], &device));
        assert_eq!(y.dims(), [1, 10]);
    }

    #[test]
    fn bad_shapes_are_refused_by_name() {
        let device = Device::default();
        let input = crate::head::TINY_INPUT;
        let args: toml::Table = toml::from_str("motifs = 9").unwrap();
        let err = modnas_construct::build_model("HierarchicalNet", &args, &input, &device)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`motifs` = 9 must lie in 1..=8"), "{err}");
        let args: toml::Table = toml::from_str("cell_nodes = 1").unwrap();
        let err = modnas_construct::build_model("HierarchicalNet", &args, &input, &device)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`cell_nodes` = 1"), "{err}");
    }
}
