//! Backend selection: `[backend] device = "cpu" | "wgpu" | "cuda" | "libtorch" | "libtorch-cuda"`.
//!
//! `cpu` is Burn's `flex` backend; `libtorch` and `libtorch-cuda` run Burn's LibTorch backend
//! (the `tch` feature), which executes every op with PyTorch's own kernels.

use crate::ModnasError;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// The `[backend]` table.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// `"cpu"` (default), `"wgpu"`, `"cuda"`, `"libtorch"` or `"libtorch-cuda"`; all but `cpu`
    /// need their cargo feature (`wgpu`, `cuda`, `tch`).
    #[config(default = "cpu".into())]
    pub device: String,
    /// Device index for `cuda` and `libtorch-cuda`.
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

/// Every device name `backend.device` accepts (some need a cargo feature).
pub const DEVICE_NAMES: [&str; 5] = ["cpu", "wgpu", "cuda", "libtorch", "libtorch-cuda"];

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
    if cfg!(feature = "tch") {
        v.extend(["libtorch", "libtorch-cuda"]);
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
                    "`{}` is not available in this build; compiled: [{}] (other backends need `--features wgpu`, `cuda` or `tch`)",
                    self.device,
                    compiled_devices().join(", ")
                ),
            )
        };
        match self.device.as_str() {
            "cpu" => cpu_device().ok_or_else(unavailable),
            "wgpu" => wgpu_device().ok_or_else(unavailable),
            "cuda" => cuda_device(self.index).ok_or_else(unavailable),
            "libtorch" => libtorch_device(None).ok_or_else(unavailable),
            "libtorch-cuda" => libtorch_device(Some(self.index)).ok_or_else(unavailable),
            other => Err(ModnasError::config(
                "backend.device",
                format!(
                    "unknown device `{other}`; allowed: [{}]",
                    DEVICE_NAMES.join(", ")
                ),
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

/// LibTorch on the CPU (`None`) or on CUDA device `index`.
// Burn 0.22 marks burn-tch deprecated in favour of CubeCL; it stays the one Burn backend that
// runs PyTorch's kernels, and the one CUDA path that builds without downloading LLVM.
#[allow(unreachable_code, unused_variables, deprecated)]
fn libtorch_device(cuda: Option<usize>) -> Option<Device> {
    #[cfg(feature = "tch")]
    return Some(match cuda {
        None => Device::libtorch(),
        Some(index) => Device::libtorch_cuda(index),
    });
    None
}
