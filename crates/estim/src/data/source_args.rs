//! The arguments of each of modnas's own data sources, with their defaults and descriptions
//! for `modnas list --detail`. The split keys every source takes (`valid_ratio`, `limit`,
//! `normalize`, `test_ratio`) are read by [`load_data`](super::load_data) before these.

use serde::Deserialize;

/// `Digits`: sklearn digits, 8×8; embedded unless `path` is given.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DigitsArgs {
    /// Data file (CSV, label last); the embedded copy when absent.
    pub(super) path: Option<String>,
}

/// `MnistCsv`: 28×28 CSV, label last, pixels 0–255.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MnistCsvArgs {
    /// Where the data lies.
    pub(super) path: String,
}

/// `Idx`: IDX image and label files (gz or raw).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct IdxArgs {
    /// IDX image file (raw or gz).
    pub(super) images: String,
    /// IDX label file (raw or gz).
    pub(super) labels: String,
}

/// `Cifar10`: CIFAR-10 binary batch files (raw or gz).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Cifar10Args {
    /// CIFAR-10 binary batch files (raw or gz).
    pub(super) files: Vec<String>,
}

/// `ImageFolder`: one sub-folder of PNG/JPEG images per class.
#[modnas_core::nas_config]
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ImageFolderArgs {
    /// Where the data lies.
    pub(super) path: String,
    /// Image side in pixels.
    #[config(default = 32)]
    pub(super) size: usize,
    /// Image channels.
    #[config(default = 3)]
    pub(super) channels: usize,
}

/// `Synthetic`: generated class patterns.
#[modnas_core::nas_config]
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SyntheticArgs {
    /// Number of samples.
    #[config(default = 64)]
    pub(super) n: usize,
    /// Number of classes.
    #[config(default = 4)]
    pub(super) classes: usize,
    /// Image channels.
    #[config(default = 1)]
    pub(super) channels: usize,
    /// Image side in pixels.
    #[config(default = 8)]
    pub(super) size: usize,
}
