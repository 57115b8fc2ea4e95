//! [`DAGLayer`]: a cell of `k` inputs and `n` intermediate nodes; every node sums its
//! in-edges, every edge is a [`Slot`]. The output concatenates the intermediate nodes
//! (DARTS cells) or is the last node (NAS-Bench-201 cells).
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, DAGLayer, DagOutput};
//! let device = Device::default();
//! let cell = DAGLayer::new(2, 4, 8, false, DagOutput::Concat, Some(("normal", 2)));
//! assert_eq!(cell.edges().len(), 14);
//! let c = construct(cell, &CandidateSets::uniform(["IDT", "AVG"]), &device).unwrap();
//! assert_eq!(c.space.len(), 14); // normal.e0 .. normal.e13
//! let x = Tensor::zeros([1, 8, 6, 6], &device);
//! assert_eq!(c.model.forward(vec![x.clone(), x]).dims(), [1, 32, 6, 6]);
//! ```

use crate::{Cost, Slot, SlotSpec, ARCH_PARAM_KEY, DAG_NODE_KEY, DAG_TOPK_KEY};
use burn::module::Module;
use burn::tensor::{Distribution, Tensor};

/// What a [`DAGLayer`] outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DagOutput {
    /// The intermediate nodes concatenated along channels (`n · C` channels).
    Concat,
    /// The last node (`C` channels).
    Last,
}

/// A directed acyclic cell whose edges are slots.
#[derive(Module, Debug)]
pub struct DAGLayer {
    /// Edges, node by node: node `j` has in-edges from the inputs and nodes `0..j`.
    edges: Vec<Slot>,
    n_inputs: usize,
    n_nodes: usize,
    #[module(skip)]
    output: DagOutput,
    #[module(skip)]
    drop_path: f64,
}

impl DAGLayer {
    /// A cell with `n_inputs` inputs and `n_nodes` intermediate nodes of `channels` channels.
    /// In a `reduction` cell the edges leaving the inputs have stride 2. With
    /// `shared = Some((kind, k))`, edge `i` is bound to the parameter `"{kind}.e{i}"` (shared
    /// by every cell of that kind) and the exported genotype keeps `k` in-edges per node.
    pub fn new(
        n_inputs: usize,
        n_nodes: usize,
        channels: usize,
        reduction: bool,
        output: DagOutput,
        shared: Option<(&str, usize)>,
    ) -> Self {
        let mut edges = vec![];
        for node in 0..n_nodes {
            for src in 0..n_inputs + node {
                let stride = if reduction && src < n_inputs { 2 } else { 1 };
                let mut spec = SlotSpec::new(channels, channels, stride);
                if let Some((kind, k)) = shared {
                    spec = spec
                        .with_arg(ARCH_PARAM_KEY, format!("{kind}.e{}", edges.len()))
                        .with_arg(DAG_NODE_KEY, format!("{kind}/{node}"))
                        .with_arg(DAG_TOPK_KEY, k as i64);
                }
                edges.push(Slot::from_spec(spec));
            }
        }
        Self {
            edges,
            n_inputs,
            n_nodes,
            output,
            drop_path: 0.0,
        }
    }

    /// Drop-path (DARTS's final training): in training (autodiff inputs), each edge output
    /// that is not an identity is zeroed for a whole sample with probability `p` and scaled by
    /// 1 / (1 − p) otherwise. `p` outside `[0, 1)` is clamped into it.
    pub fn with_drop_path(mut self, p: f64) -> Self {
        self.set_drop_path(p);
        self
    }

    /// Sets the drop-path probability (see [`with_drop_path`](Self::with_drop_path)).
    pub fn set_drop_path(&mut self, p: f64) {
        self.drop_path = p.clamp(0.0, 0.99);
    }

    /// The drop-path probability.
    pub fn drop_path(&self) -> f64 {
        self.drop_path
    }

    fn drop(&self, slot: &Slot, y: Tensor<4>) -> Tensor<4> {
        let identity = slot.spec().stride == 1
            && slot.spec().c_in == slot.spec().c_out
            && slot
                .entity()
                .is_some_and(|e| matches!(e.name(), "IDT" | "skip_connect"));
        if self.drop_path <= 0.0 || identity || !y.is_autodiff() {
            return y;
        }
        let keep = 1.0 - self.drop_path;
        let n = y.dims()[0];
        let mask = Tensor::<4>::random([n, 1, 1, 1], Distribution::Bernoulli(keep), &y.device());
        y * mask.div_scalar(keep)
    }

    /// Binds edge `i` to the parameter `names[i]` (for spaces with their own edge names, such
    /// as NAS-Bench-201's `edge_1_0`).
    pub fn with_edge_params(mut self, names: &[&str]) -> Self {
        for (slot, name) in self.edges.iter_mut().zip(names) {
            let spec = slot.spec().clone().with_arg(ARCH_PARAM_KEY, *name);
            *slot = Slot::from_spec(spec);
        }
        self
    }

    /// Adds `key = value` to the spec of every edge (for example the edges' own candidate set,
    /// [`CANDIDATES_KEY`](crate::CANDIDATES_KEY)).
    pub fn with_edge_arg(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        let value = value.into();
        for slot in self.edges.iter_mut() {
            *slot = Slot::from_spec(slot.spec().clone().with_arg(key, value.clone()));
        }
        self
    }

    /// The edges, node by node.
    pub fn edges(&self) -> &[Slot] {
        &self.edges
    }

    /// Output channels for `channels` per node.
    pub fn out_channels(&self, channels: usize) -> usize {
        match self.output {
            DagOutput::Concat => channels * self.n_nodes,
            DagOutput::Last => channels,
        }
    }

    /// Runs the cell on its `n_inputs` inputs.
    ///
    /// # Panics
    /// If the number of inputs differs from the cell's.
    pub fn forward(&self, inputs: Vec<Tensor<4>>) -> Tensor<4> {
        assert_eq!(inputs.len(), self.n_inputs, "DAGLayer input count");
        let mut states = inputs;
        let mut e = 0;
        for _ in 0..self.n_nodes {
            let mut sum: Option<Tensor<4>> = None;
            for s in states.iter() {
                let y = self.drop(&self.edges[e], self.edges[e].forward(s.clone()));
                e += 1;
                sum = Some(match sum {
                    Some(acc) => acc + y,
                    None => y,
                });
            }
            states.push(sum.expect("a node has at least one in-edge"));
        }
        let nodes = states.split_off(self.n_inputs);
        match self.output {
            DagOutput::Concat => Tensor::cat(nodes, 1),
            DagOutput::Last => nodes.into_iter().last().expect("at least one node"),
        }
    }

    /// MACs of the cell for inputs of shapes `inputs`.
    pub fn cost(&self, inputs: &[Vec<usize>]) -> Cost {
        let mut shapes: Vec<Vec<usize>> = inputs.to_vec();
        let mut edges = vec![];
        let mut e = 0;
        for _ in 0..self.n_nodes {
            let mut out = vec![];
            for s in shapes.clone() {
                let c = self.edges[e].cost(&s);
                e += 1;
                out = c.output.clone();
                edges.push(c);
            }
            shapes.push(out);
        }
        let nodes = shapes.split_off(self.n_inputs);
        let mut output = nodes.last().cloned().unwrap_or_default();
        if self.output == DagOutput::Concat && !output.is_empty() {
            output[1] = nodes.iter().map(|s| s[1]).sum();
        }
        Cost::merge(edges, output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{construct, CandidateSets};
    use burn::tensor::Device;

    fn per_sample(y: Tensor<4>) -> Vec<f32> {
        let n = y.dims()[0];
        y.mean_dim(3)
            .mean_dim(2)
            .mean_dim(1)
            .reshape([n])
            .into_data()
            .try_to_vec_as::<f32>()
            .unwrap()
    }

    #[test]
    fn drop_path_zeroes_whole_samples_in_training_only() {
        let device = Device::default().autodiff();
        let cell = DAGLayer::new(1, 1, 2, false, DagOutput::Last, None).with_drop_path(0.5);
        let c = construct(cell, &CandidateSets::uniform(["AVG"]), &device).unwrap();
        let x = Tensor::<4>::ones([64, 2, 3, 3], &device);
        let y = per_sample(c.model.forward(vec![x.clone()]));
        let dropped = y.iter().filter(|v| v.abs() < 1e-6).count();
        assert!(
            y.iter().all(|v| v.abs() < 1e-6 || (v - 2.0).abs() < 1e-5),
            "{y:?}"
        );
        assert!((10..54).contains(&dropped), "{dropped} of 64 dropped");
        let eval = c.model.valid().forward(vec![x.inner()]);
        assert!(per_sample(eval).iter().all(|v| (v - 1.0).abs() < 1e-5));
        // Identity edges are never dropped.
        let cell = DAGLayer::new(1, 1, 2, false, DagOutput::Last, None).with_drop_path(0.9);
        let c = construct(cell, &CandidateSets::uniform(["IDT"]), &device).unwrap();
        let y = per_sample(c.model.forward(vec![Tensor::ones([16, 2, 3, 3], &device)]));
        assert!(y.iter().all(|v| (v - 1.0).abs() < 1e-6));
    }
}
