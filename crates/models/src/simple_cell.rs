//! `SimpleCellNet`: the "simple cell" space of NASLib, a cheap DARTS-style space for quick
//! comparisons. A stem of C channels, then three cells — normal, reduction, normal — of two
//! nodes each (5 edges), at C, 2C and 2C channels, global pooling and a linear head. Its edges
//! choose from [`SIMPLE_CELL_OPS`] unless the config names other candidates per slot; normal
//! cells share `normal.e0..4`, the reduction cell has `reduce.e0..4`, and the exported
//! genotype keeps two in-edges per node, as in DARTS.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::SimpleCellNetConfig;
//! let device = Device::default();
//! let net = SimpleCellNetConfig::new(3, 10).with_channels(4).init(&device).unwrap();
//! let c = construct(net, &CandidateSets::mixed("DARTSMixedOp", Vec::<String>::new()), &device).unwrap();
//! assert_eq!(c.space.len(), 10);
//! assert_eq!(NasModule::forward(&c.model, Tensor::zeros([2, 3, 8, 8], &device)).dims(), [2, 10]);
//! ```

use super::head::{bad_args, check_io};
use super::DARTSNet;
use burn::tensor::Device;
use modnas_construct::nas_config;
use modnas_construct::ConstructError;
use serde::{Deserialize, Serialize};

/// The simple cell's op set (NASLib): identity, zero, 3×3 max pooling, 3×3 separable and
/// 3×3 dilated convolutions.
pub const SIMPLE_CELL_OPS: [&str; 5] = ["IDT", "NIL", "MAX", "SC3", "DC3"];

/// How to build the simple-cell network, a [`DARTSNet`] of three two-node cells; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimpleCellNetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// C: channels of the stem and first cell; even.
    #[config(default = 16)]
    pub channels: usize,
}

impl SimpleCellNetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<DARTSNet, ConstructError> {
        check_io("SimpleCellNet", self.c_in, self.classes)?;
        if self.channels < 2 || !self.channels.is_multiple_of(2) {
            return Err(bad_args(
                "SimpleCellNet",
                format!("`channels` = {} must be even and at least 2", self.channels),
            ));
        }
        let reductions = [false, true, false];
        DARTSNet::with_layout(
            self.c_in,
            self.classes,
            self.channels,
            self.channels,
            &reductions,
            2,
            Some(&SIMPLE_CELL_OPS),
            device,
        )
    }
}

crate::builtin_model::register_builtin_model!(
    /// NASLib's simple cell: normal, reduction and normal cell of 2 nodes, 5 ops
    "SimpleCellNet", SimpleCellNetConfig { c_in: channels, classes: classes }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, list_slots, CandidateSets};

    #[test]
    fn cells_choose_from_the_simple_op_set_unless_the_config_overrides_it() {
        let device = Device::default();
        let net = SimpleCellNetConfig::new(1, 3)
            .with_channels(4)
            .init(&device)
            .unwrap();
        let sets = CandidateSets::mixed("DARTSMixedOp", Vec::<String>::new());
        let c = construct(net, &sets, &device).unwrap();
        assert_eq!(c.mixed.len(), 15);
        assert!(c.mixed.iter().all(|h| h.candidates() == SIMPLE_CELL_OPS));
        // The config's default set does not replace the model's own.
        let sets = CandidateSets::uniform(["NC3"]);
        let c = construct(
            SimpleCellNetConfig::new(1, 3)
                .with_channels(4)
                .init(&device)
                .unwrap(),
            &sets,
            &device,
        )
        .unwrap();
        let slots = list_slots(&c.model);
        assert!(slots.iter().all(|s| s.entity.as_deref() == Some("IDT")));
        // A per-slot set does; here it breaks the sharing of `normal.e0`, which is refused.
        let mut sets = CandidateSets::uniform(["NC3"]);
        sets.slots.insert(slots[0].path.clone(), vec!["AVG".into()]);
        let err = construct(
            SimpleCellNetConfig::new(1, 3)
                .with_channels(4)
                .init(&device)
                .unwrap(),
            &sets,
            &device,
        )
        .err()
        .expect("a shared edge with another set")
        .to_string();
        assert!(err.contains("shares parameter `normal.e0`"), "{err}");
    }
}
