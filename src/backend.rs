//! Backend selection: `[backend] device = "cpu" | "wgpu" | "cuda"`.

use crate::ModnasError;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// The `[backend]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// `"cpu"` (default), `"wgpu"` or `"cuda"`; the GPU ones need the cargo feature.
    #[serde(default = "cpu")]
    pub device: String,
    /// Device index for `cuda`. Default 0.
    #[serde(default)]
    pub index: usize,
}

fn cpu() -> String {
    "cpu".into()
}

impl Default for BackendConfig {
    fn default() -> Self {
        Self {
            device: cpu(),
            index: 0,
        }
    }
}

/// Device names that this build supports.
pub fn compiled_devices() -> Vec<&'static str> {
    let mut v = vec![];
    if cfg!(any(feature = "flex", feature = "ndarray")) {
        v.push("cpu");
    }
    if cfg!(feature = "wgpu") {
        v.push("wgpu");
    }
    if cfg!(feature = "cuda") {
        v.push("cuda");
    }
    v
}

impl BackendConfig {
    /// The plain (inference) device.
    pub fn device(&self) -> Result<Device, ModnasError> {
        let unavailable = || {
            ModnasError::config(
                "backend.device",
                format!(
                    "`{}` is not available in this build; compiled: [{}] (GPU backends need `--features wgpu` or `--features cuda`)",
                    self.device,
                    compiled_devices().join(", ")
                ),
            )
        };
        match self.device.as_str() {
            "cpu" => cpu_device().ok_or_else(unavailable),
            "wgpu" => wgpu_device().ok_or_else(unavailable),
            "cuda" => cuda_device(self.index).ok_or_else(unavailable),
            other => Err(ModnasError::config(
                "backend.device",
                format!("unknown device `{other}`; allowed: [cpu, wgpu, cuda]"),
            )),
        }
    }
}

#[allow(unreachable_code)]
fn cpu_device() -> Option<Device> {
    #[cfg(feature = "flex")]
    return Some(Device::flex());
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    return Some(Device::ndarray());
    None
}

#[allow(unreachable_code)]
fn wgpu_device() -> Option<Device> {
    #[cfg(feature = "wgpu")]
    return Some(Device::wgpu(Default::default()));
    None
}

#[allow(unreachable_code, unused_variables)]
fn cuda_device(index: usize) -> Option<Device> {
    #[cfg(feature = "cuda")]
    return Some(Device::cuda(index));
    None
}
