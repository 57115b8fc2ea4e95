//! Slot probes: which candidate each slot of a network runs, and at which input shape. The
//! cost traversal ([`NasModule::cost`](crate::NasModule::cost)) visits every slot with its
//! input shape; [`probe_slots`] records those visits. Latency tables are measured and looked up
//! per probe.
//!
//! ```
//! use burn::tensor::Device;
//! use modnas_construct::{construct, probe_slots, CandidateSets, DAGLayer, DagOutput};
//! let device = Device::default();
//! // One input, two nodes: three edges, each a slot.
//! let cell = DAGLayer::new(1, 2, 4, false, DagOutput::Last, None);
//! let c = construct(cell, &CandidateSets::uniform(["NC3", "IDT"]), &device).unwrap();
//! let probes = probe_slots(|| {
//!     c.model.cost(&[vec![1, 4, 6, 6]]);
//! });
//! assert_eq!(probes.len(), 3);
//! assert_eq!(probes[2].input, [1, 4, 6, 6]);
//! assert_eq!(probes[2].op.as_deref(), Some("NC3"));
//! ```

use crate::{Slot, SlotSpec};
use std::cell::RefCell;

/// One slot visited by a cost traversal.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotProbe {
    /// The slot's path in the model.
    pub key: String,
    /// Its shape contract.
    pub spec: SlotSpec,
    /// The registered name of the entity it holds (a candidate, or a mixed operator).
    pub op: Option<String>,
    /// The input shape it was visited with.
    pub input: Vec<usize>,
}

thread_local! {
    static PROBES: RefCell<Option<Vec<SlotProbe>>> = const { RefCell::new(None) };
}

/// Runs `traverse` (a cost traversal) and returns the slots it visited, in order.
pub fn probe_slots(traverse: impl FnOnce()) -> Vec<SlotProbe> {
    let outer = PROBES.with(|p| p.replace(Some(vec![])));
    traverse();
    PROBES.with(|p| p.replace(outer)).unwrap_or_default()
}

/// Records `slot` at `input` when a probe is running on this thread.
pub(crate) fn record(slot: &Slot, input: &[usize]) {
    PROBES.with(|p| {
        if let Some(probes) = p.borrow_mut().as_mut() {
            probes.push(SlotProbe {
                key: slot.key().to_string(),
                spec: slot.spec().clone(),
                op: slot.entity().map(|e| e.name().to_string()),
                input: input.to_vec(),
            });
        }
    });
}
