//! Latency lookup tables (paper, Appendix E): every candidate of every slot measured once at
//! the slot's input shape on one device ([`LatencyTable::measure`], `modnas latency-lut`), and
//! [`LUTLatencyMetric`] (key `lut_latency_ms`), which sums the table's medians over the
//! candidates a network holds instead of timing it. The table covers the searched slots, not
//! the fixed stem and head, so it ranks architectures rather than predicting end-to-end time.

use crate::latency::{inference_device, measure, TimingArgs};
use crate::{register_metric, ArchMetric, MetricsError};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::{build_candidate, probe_slots, NetBox, SlotProbe, SlotSpec};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One measured candidate at one input shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LutEntry {
    /// Candidate name.
    pub op: String,
    /// The slot's input channels.
    pub c_in: usize,
    /// The slot's output channels.
    pub c_out: usize,
    /// The slot's stride.
    pub stride: usize,
    /// Input shape `[C, H, W]` (the batch is the table's).
    pub input: [usize; 3],
    /// Median milliseconds.
    pub median_ms: f64,
    /// Mean milliseconds.
    pub mean_ms: f64,
    /// Standard deviation in milliseconds.
    pub std_ms: f64,
}

/// A latency table and where it was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyTable {
    /// The device (backend and index) it was measured on.
    pub device: String,
    /// How it was timed (the batch size included).
    pub timing: TimingArgs,
    /// The entries.
    #[serde(rename = "entry", default)]
    pub entries: Vec<LutEntry>,
}

/// What a slot probe measures: its candidates at its spec and input shape.
#[derive(Clone, Debug, PartialEq)]
pub struct LutItem {
    /// Candidate names.
    pub ops: Vec<String>,
    /// The slot's spec.
    pub spec: SlotSpec,
    /// Input `[C, H, W]`.
    pub input: [usize; 3],
}

fn chw(input: &[usize]) -> Option<[usize; 3]> {
    match input {
        [_, c, h, w] => Some([*c, *h, *w]),
        _ => None,
    }
}

/// The name a table records for a device.
pub fn device_name(device: &Device) -> String {
    format!("{device:?}")
}

impl LatencyTable {
    /// Measures every candidate of `items` once per distinct spec and input shape, on the
    /// inference `device` with `timing`; `on_entry` sees each entry as it is measured.
    pub fn measure(
        items: &[LutItem],
        device: &Device,
        timing: &TimingArgs,
        on_entry: &mut dyn FnMut(&LutEntry),
    ) -> Result<Self, MetricsError> {
        timing.check("LatencyTable")?;
        let mut table = LatencyTable {
            device: device_name(device),
            timing: *timing,
            entries: vec![],
        };
        for item in items {
            for op in &item.ops {
                if table.find(op, &item.spec, item.input).is_some() {
                    continue;
                }
                let module = build_candidate(op, &item.spec, device)?.valid();
                let [c, h, w] = item.input;
                let x = Tensor::<4>::random([timing.batch, c, h, w], Distribution::Default, device);
                let stats = measure(device, timing, || {
                    let _ = module.forward(x.clone());
                })?;
                let entry = LutEntry {
                    op: op.clone(),
                    c_in: item.spec.c_in,
                    c_out: item.spec.c_out,
                    stride: item.spec.stride,
                    input: item.input,
                    median_ms: stats.median_ms,
                    mean_ms: stats.mean_ms,
                    std_ms: stats.std_ms,
                };
                on_entry(&entry);
                table.entries.push(entry);
            }
        }
        Ok(table)
    }

    /// The entry of `op` at `spec` and input `[C, H, W]`.
    pub fn find(&self, op: &str, spec: &SlotSpec, input: [usize; 3]) -> Option<&LutEntry> {
        self.entries.iter().find(|e| {
            e.op == op
                && (e.c_in, e.c_out, e.stride) == (spec.c_in, spec.c_out, spec.stride)
                && e.input == input
        })
    }

    /// The table as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a latency table serializes")
    }

    /// Reads a table written by [`to_toml`](Self::to_toml).
    pub fn load(path: &Path) -> Result<Self, MetricsError> {
        let bad = |reason: String| MetricsError::Table {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        toml::from_str(&text).map_err(|e| bad(e.message().to_string()))
    }

    /// The summed median latency of the candidates in `probes`; `path` names the table in
    /// errors.
    pub fn latency_of(&self, probes: &[SlotProbe], path: &Path) -> Result<f64, MetricsError> {
        let bad = |reason: String| MetricsError::Table {
            path: path.display().to_string(),
            reason,
        };
        let mut total = 0.0;
        for p in probes {
            let op =
                p.op.as_deref()
                    .ok_or_else(|| bad(format!("slot `{}` is empty", p.key)))?;
            if modnas_construct::mixed_op_names().contains(&op) {
                return Err(bad(format!(
                    "slot `{}` holds the mixed operator `{op}`; a latency table prices plain candidates (SubNetEstim, DefaultEstim)",
                    p.key
                )));
            }
            let input = chw(&p.input)
                .ok_or_else(|| bad(format!("slot `{}` has input {:?}", p.key, p.input)))?;
            let entry = self.find(op, &p.spec, input).ok_or_else(|| {
                bad(format!(
                    "no entry for `{op}` (c_in {}, c_out {}, stride {}) at input {input:?} of slot `{}`; measure it with `modnas latency-lut`",
                    p.spec.c_in, p.spec.c_out, p.spec.stride, p.key
                ))
            })?;
            total += entry.median_ms;
        }
        Ok(total)
    }
}

/// Arguments of [`LUTLatencyMetric`].
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LutArgs {
    /// The table file.
    path: PathBuf,
}

/// `LUTLatencyMetric` (key `lut_latency_ms`): the sum of a latency table's medians over the
/// candidates the network's slots hold. The table must come from the device the network runs
/// on.
pub struct LUTLatencyMetric {
    path: PathBuf,
    table: LatencyTable,
}

impl ArchMetric for LUTLatencyMetric {
    fn key(&self) -> &str {
        "lut_latency_ms"
    }

    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        let here = device_name(&inference_device(net));
        if here != self.table.device {
            return Err(MetricsError::Table {
                path: self.path.display().to_string(),
                reason: format!(
                    "measured on `{}`, but this network runs on `{here}`; measure a table on this device",
                    self.table.device
                ),
            });
        }
        let mut derived = Ok(());
        let probes = probe_slots(|| {
            derived = net.try_cost(input).map(drop);
        });
        derived?;
        self.table.latency_of(&probes, &self.path)
    }
}

register_metric!(
    /// latency summed from a `modnas latency-lut` table (key `lut_latency_ms`)
    "LUTLatencyMetric", |args: LutArgs| {
        let table = LatencyTable::load(&args.path)?;
        Ok(Box::new(LUTLatencyMetric { path: args.path, table }))
    }
);
