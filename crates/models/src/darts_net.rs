//! `DARTSNet`: the DARTS cell search space (Liu et al., 2019) — a stem, `layers` cells with
//! reduction cells at 1/3 and 2/3 of the depth, global pooling and a linear head. Each cell
//! is a [`DAGLayer`] of 2 inputs and `nodes` nodes (14 edges for 4 nodes); every normal cell
//! shares the α of `normal.e0..`, every reduction cell those of `reduce.e0..`, so the default
//! space has 28 parameters. The DARTS op set is `NIL, MAX, AVG, IDT, SC3, SC5, DC3, DC5`.
//!
//! For the final training of an exported genotype, the net takes DARTS's extras: drop-path on
//! the cells' edges, raised linearly from 0 to `drop_path` over training (the trainer reports
//! progress through [`NasModule::set_progress`]), and an [`AuxiliaryHead`] after the second
//! reduction cell, whose logits the trainer adds to the loss.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::DARTSNetConfig;
//! let device = Device::default();
//! // C = 4 channels, 3 cells of 2 nodes, for RGB images of 10 classes; as a TOML run's
//! // `args = { channels = 4, layers = 3, nodes = 2 }` builds it.
//! let net = DARTSNetConfig::new(3, 10)
//!     .with_channels(4)
//!     .with_layers(3)
//!     .with_nodes(2)
//!     .init(&device)
//!     .unwrap();
//! let c = construct(net, &CandidateSets::mixed("DARTSMixedOp", ["NIL", "IDT", "AVG"]), &device).unwrap();
//! assert_eq!(c.space.len(), 10); // 5 edges of 2 nodes, normal and reduce
//! let y = NasModule::forward(&c.model, Tensor::zeros([2, 3, 8, 8], &device));
//! assert_eq!(y.dims(), [2, 10]);
//! ```

use super::darts_aux::AuxiliaryHead;
use super::head::{bad_args, check_io, pool_classify, with_head_cost};
use burn::module::Module;
use burn::nn::{BatchNorm, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use modnas_construct::kernels::batch_norm_forward;
use modnas_construct::nas_config;
use modnas_construct::ops::{batch_norm, ConvLayer};
use modnas_construct::{
    build_candidate, CandidateBox, ConstructError, Cost, DAGLayer, DagOutput, NasModule, SlotSpec,
    CANDIDATES_KEY,
};
use serde::{Deserialize, Serialize};

/// The default DARTS operations, in the order of the paper's code.
pub const DARTS_OPS: [&str; 8] = ["NIL", "MAX", "AVG", "IDT", "SC3", "SC5", "DC3", "DC5"];

/// One DARTS cell: its two inputs preprocessed to `C` channels, then the DAG.
#[derive(Module, Debug)]
pub struct DARTSCell {
    pre0: CandidateBox,
    pre1: CandidateBox,
    dag: DAGLayer,
}

impl DARTSCell {
    fn forward(&self, s0: Tensor<4>, s1: Tensor<4>) -> Tensor<4> {
        self.dag
            .forward(vec![self.pre0.forward(s0), self.pre1.forward(s1)])
    }

    fn cost(&self, s0: &[usize], s1: &[usize]) -> Cost {
        let (p0, p1) = (self.pre0.cost(s0), self.pre1.cost(s1));
        let dag = self.dag.cost(&[p0.output.clone(), p1.output.clone()]);
        let output = dag.output.clone();
        Cost::merge([p0, p1, dag], output)
    }
}

/// How drop-path changes over training.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DropPathSchedule {
    /// From 0 at the first epoch towards the maximum at the last, as in DARTS (default).
    #[default]
    Linear,
    /// The maximum throughout.
    Constant,
}

/// The DARTS search network.
#[derive(Module, Debug)]
pub struct DARTSNet {
    stem: ConvLayer,
    stem_bn: BatchNorm,
    cells: Vec<DARTSCell>,
    head: Linear,
    /// Named [`AUXILIARY_FIELD`](modnas_construct::AUXILIARY_FIELD): left out of metrics.
    auxiliary: Option<AuxiliaryHead>,
    /// The cell after which the auxiliary head reads, and its output channels.
    #[module(skip)]
    aux_at: (usize, usize),
    #[module(skip)]
    drop_path: (f64, DropPathSchedule),
}

impl DARTSNet {
    /// A network for `c_in`-channel images and `classes` classes: `channels` (C) in the first
    /// stage, `layers` cells of `nodes` nodes, and a stem of `3·C` channels. Each node keeps 2
    /// in-edges when the genotype is exported.
    pub(crate) fn new(
        c_in: usize,
        classes: usize,
        channels: usize,
        layers: usize,
        nodes: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let reductions: Vec<bool> = (0..layers)
            .map(|i| layers >= 3 && (i == layers / 3 || i == 2 * layers / 3))
            .collect();
        Self::with_layout(
            c_in,
            classes,
            3 * channels,
            channels,
            &reductions,
            nodes,
            None,
            device,
        )
    }

    /// A network with its stem at `stem_c` channels, one cell per entry of `reductions` (true
    /// for a reduction cell), and edges choosing from `ops` when given (the slots' own
    /// candidate set, in place of `construct.args.candidates`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn with_layout(
        c_in: usize,
        classes: usize,
        stem_c: usize,
        channels: usize,
        reductions: &[bool],
        nodes: usize,
        ops: Option<&[&str]>,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let layers = reductions.len();
        let (mut c_pp, mut c_p, mut c) = (stem_c, stem_c, channels);
        let mut cells = vec![];
        let mut reduction_prev = false;
        let mut aux_at = (0, stem_c);
        for (i, &reduction) in reductions.iter().enumerate() {
            if reduction {
                c *= 2;
            }
            let pre0 = if reduction_prev {
                build_candidate("IDT", &SlotSpec::new(c_pp, c, 2), device)?
            } else {
                build_candidate("RCB1", &SlotSpec::new(c_pp, c, 1), device)?
            };
            let pre1 = build_candidate("RCB1", &SlotSpec::new(c_p, c, 1), device)?;
            let kind = if reduction { "reduce" } else { "normal" };
            let mut dag = DAGLayer::new(2, nodes, c, reduction, DagOutput::Concat, Some((kind, 2)));
            if let Some(ops) = ops {
                dag = dag.with_edge_arg(
                    CANDIDATES_KEY,
                    ops.iter()
                        .map(|o| toml::Value::from(*o))
                        .collect::<Vec<_>>(),
                );
            }
            (c_pp, c_p) = (c_p, dag.out_channels(c));
            cells.push(DARTSCell { pre0, pre1, dag });
            reduction_prev = reduction;
            if i == 2 * layers / 3 {
                aux_at = (i, c_p);
            }
        }
        Ok(Self {
            stem: ConvLayer::new(c_in, stem_c, 3, 1, 1, 1, device)?,
            stem_bn: batch_norm(stem_c, device),
            cells,
            head: LinearConfig::new(c_p, classes).init(device),
            auxiliary: None,
            aux_at,
            drop_path: (0.0, DropPathSchedule::Linear),
        })
    }

    /// Drop-path with maximum probability `p` on the cells' non-identity edges in training,
    /// following `schedule` (see [`DAGLayer::with_drop_path`]). A linear schedule starts at 0
    /// until the trainer reports progress.
    pub fn with_drop_path(mut self, p: f64, schedule: DropPathSchedule) -> Self {
        self.drop_path = (p, schedule);
        self.set_progress(0.0);
        self
    }

    /// The drop-path probability the cells use now.
    pub fn current_drop_path(&self) -> f64 {
        self.cells.first().map_or(0.0, |c| c.dag.drop_path())
    }

    /// Adds DARTS's auxiliary classifier after cell `2·layers/3` (the second reduction cell).
    pub fn with_auxiliary(
        mut self,
        classes: usize,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        self.auxiliary = Some(AuxiliaryHead::new(self.aux_at.1, classes, device)?);
        Ok(self)
    }

    /// The auxiliary classifier, if the net has one.
    pub fn auxiliary(&self) -> Option<&AuxiliaryHead> {
        self.auxiliary.as_ref()
    }

    fn run(&self, x: Tensor<4>, with_aux: bool) -> (Tensor<2>, Option<Tensor<2>>) {
        let s = batch_norm_forward(&self.stem_bn, self.stem.forward(x));
        let (mut s0, mut s1) = (s.clone(), s);
        let mut aux = None;
        for (i, cell) in self.cells.iter().enumerate() {
            let out = cell.forward(s0, s1.clone());
            (s0, s1) = (s1, out);
            if i == self.aux_at.0 && with_aux && s1.is_autodiff() {
                aux = self.auxiliary.as_ref().map(|head| head.forward(s1.clone()));
            }
        }
        (pool_classify(s1, &self.head), aux)
    }
}

impl NasModule for DARTSNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.run(x, false).0
    }

    fn forward_aux(&self, x: Tensor<4>) -> (Tensor<2>, Option<Tensor<2>>) {
        self.run(x, true)
    }

    fn set_progress(&mut self, progress: f64) {
        let (max, schedule) = self.drop_path;
        let p = match schedule {
            DropPathSchedule::Linear => max * progress,
            DropPathSchedule::Constant => max,
        };
        for cell in &mut self.cells {
            cell.dag.set_drop_path(p);
        }
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let stem = self.stem.cost(input);
        let (mut s0, mut s1) = (stem.output.clone(), stem.output.clone());
        let mut parts = vec![stem];
        for cell in &self.cells {
            let c = cell.cost(&s0, &s1);
            (s0, s1) = (s1, c.output.clone());
            parts.push(c);
        }
        // The auxiliary head runs in training only, so inference cost leaves it out.
        with_head_cost(Cost::merge(parts, s1), &self.head)
    }
}

/// How to build a [`DARTSNet`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DARTSNetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head (and of the auxiliary head).
    #[serde(skip)]
    pub classes: usize,
    /// C: channels of the first cells (the stem has 3C); even.
    #[config(default = 16)]
    pub channels: usize,
    /// Cells; reduction cells at 1/3 and 2/3 of the depth.
    #[config(default = 8)]
    pub layers: usize,
    /// Intermediate nodes per cell.
    #[config(default = 4)]
    pub nodes: usize,
    /// Maximum drop-path probability (augment step), in [0, 1).
    #[config(default = 0.0)]
    pub drop_path: f64,
    /// `linear` (from 0 to `drop_path`) or `constant`.
    #[config(default = DropPathSchedule::Linear)]
    pub drop_path_schedule: DropPathSchedule,
    /// DARTS's auxiliary classifier (training only).
    #[config(default = false)]
    pub auxiliary: bool,
}

impl DARTSNetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<DARTSNet, ConstructError> {
        check_io("DARTSNet", self.c_in, self.classes)?;
        let (channels, layers, nodes) = (self.channels, self.layers, self.nodes);
        if channels < 2 || !channels.is_multiple_of(2) || layers == 0 || nodes == 0 {
            return Err(bad_args("DARTSNet", format!(
                "`channels` = {channels} must be even and at least 2; `layers` = {layers} and `nodes` = {nodes} at least 1"
            )));
        }
        if !(0.0..1.0).contains(&self.drop_path) {
            return Err(bad_args(
                "DARTSNet",
                format!("`drop_path` = {} must lie in [0, 1)", self.drop_path),
            ));
        }
        let net = DARTSNet::new(self.c_in, self.classes, channels, layers, nodes, device)?
            .with_drop_path(self.drop_path, self.drop_path_schedule);
        if self.auxiliary {
            return net.with_auxiliary(self.classes, device);
        }
        Ok(net)
    }
}

crate::builtin_model::register_builtin_model!(
    /// the DARTS cell space (Liu et al. 2019): normal and reduction cells of slot edges
    "DARTSNet", DARTSNetConfig { c_in: channels, classes: classes }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, CandidateSets};

    fn net(device: &Device) -> DARTSNet {
        let net = DARTSNet::new(1, 3, 4, 3, 2, device).unwrap();
        construct(net, &CandidateSets::uniform(["SC3"]), device)
            .unwrap()
            .model
    }

    #[test]
    fn the_auxiliary_head_speaks_in_training_only() {
        let device = Device::default().autodiff();
        let x = Tensor::<4>::ones([2, 1, 8, 8], &device);
        let plain = net(&device);
        assert!(
            plain.forward_aux(x.clone()).1.is_none(),
            "no head, no logits"
        );
        let with = net(&device).with_auxiliary(3, &device).unwrap();
        let (logits, aux) = with.forward_aux(x.clone());
        assert_eq!(logits.dims(), [2, 3]);
        assert_eq!(aux.map(|a| a.dims()), Some([2, 3]));
        let inference = with.valid();
        assert!(inference.forward_aux(x.inner()).1.is_none());
    }

    #[test]
    fn drop_path_follows_the_schedule() {
        let device = Device::default();
        let mut linear = net(&device).with_drop_path(0.3, DropPathSchedule::Linear);
        assert_eq!(linear.current_drop_path(), 0.0);
        linear.set_progress(0.5);
        assert!((linear.current_drop_path() - 0.15).abs() < 1e-12);
        let mut constant = net(&device).with_drop_path(0.3, DropPathSchedule::Constant);
        constant.set_progress(0.1);
        assert_eq!(constant.current_drop_path(), 0.3);
    }
}
