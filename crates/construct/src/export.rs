//! Exporting the architecture a supernet has learned: each mixed operator's strongest
//! candidate, and for cells (slots tagged with a DAG node) only the `k` strongest in-edges of
//! each node, the others set to `NIL` (DARTS's genotype rule).

use crate::{list_slots, MixedHandle, ARCH_PARAM_KEY};
use burn::module::Module;
use indexmap::IndexMap;
use modnas_param_space::ArchDesc;

/// `SlotSpec::extra` key: the DAG node a slot's edge enters, as `"<cell kind>/<node>"`.
pub const DAG_NODE_KEY: &str = "dag_node";
/// `SlotSpec::extra` key: how many in-edges of the node the exported genotype keeps.
pub const DAG_TOPK_KEY: &str = "dag_topk";

use crate::ops::is_zero_op;

/// The exported architecture of `model`'s mixed operators: one value per parameter.
pub fn export_arch<M: Module>(model: &M, handles: &[MixedHandle]) -> ArchDesc {
    // Parameter name -> (node, k) for edges of cells.
    let mut node_of: IndexMap<String, (String, usize)> = IndexMap::new();
    for slot in list_slots(model) {
        let extra = &slot.spec.extra;
        let param = match extra.get(ARCH_PARAM_KEY).and_then(|v| v.as_str()) {
            Some(p) => p.to_string(),
            None => slot.path.clone(),
        };
        if let (Some(node), Some(k)) = (
            extra.get(DAG_NODE_KEY).and_then(|v| v.as_str()),
            extra.get(DAG_TOPK_KEY).and_then(|v| v.as_integer()),
        ) {
            node_of.insert(param, (node.to_string(), k.max(0) as usize));
        }
    }
    let mut seen = IndexMap::new();
    for h in handles {
        seen.entry(h.param_name().to_string())
            .or_insert_with(|| h.clone());
    }
    // The best non-NIL candidate of each parameter and its weight.
    let best: IndexMap<String, (String, f32)> = seen
        .iter()
        .map(|(name, h)| {
            let w = h.weights();
            let (i, v) = h
                .candidates()
                .iter()
                .zip(&w)
                .enumerate()
                .filter(|(_, (c, _))| !is_zero_op(c))
                .map(|(i, (_, v))| (i, *v))
                .fold((h.argmax(), f32::NEG_INFINITY), |acc, (i, v)| {
                    if v > acc.1 {
                        (i, v)
                    } else {
                        acc
                    }
                });
            (name.clone(), (h.candidates()[i].clone(), v))
        })
        .collect();
    // For each node, the k strongest in-edges survive.
    let mut by_node: IndexMap<&str, Vec<(&str, f32)>> = IndexMap::new();
    for (param, (node, _)) in &node_of {
        if let Some((_, v)) = best.get(param) {
            by_node.entry(node).or_default().push((param, *v));
        }
    }
    let mut dropped = std::collections::HashSet::new();
    for (node, mut edges) in by_node {
        let k = node_of
            .values()
            .find(|(n, _)| n == node)
            .map_or(usize::MAX, |(_, k)| *k);
        edges.sort_by(|a, b| b.1.total_cmp(&a.1));
        dropped.extend(edges.into_iter().skip(k).map(|(p, _)| p.to_string()));
    }
    let mut arch = ArchDesc::new();
    for (name, h) in &seen {
        let zero = h.candidates().iter().find(|c| is_zero_op(c));
        let value = if let (true, Some(zero)) = (dropped.contains(name), zero) {
            zero.clone()
        } else if node_of.contains_key(name) {
            best[name].0.clone()
        } else {
            h.choice().to_string()
        };
        arch.insert(name.clone(), value);
    }
    arch
}
