//! modnas's own data sources, registered by name like a user crate's (`register_data!`): each
//! reads its own arguments ([`source_args`](super::source_args)) and returns the whole
//! labelled set; [`load_data`](super::load_data) splits it.
//!
//! They read local files offline. Burn's `burn-dataset` readers for MNIST and CIFAR download
//! their data instead, and its `ImageFolderDataset` comes with the `vision` feature, which also
//! brings burn-dataset's downloader (reqwest, tokio); so these stay, and a Burn `Dataset` is
//! taken through [`ImageDataset::from_dataset`].

use super::source_args::*;
use super::{
    maybe_gunzip, parse_label_last_csv, read_cifar10, read_file, read_idx, read_image_folder,
    synthetic, ImageDataset, EMBEDDED_DIGITS,
};
use crate::{parse_args, register_data, EstimError};

fn digits(args: &toml::Table, _seed: u64) -> Result<ImageDataset, EstimError> {
    let a: DigitsArgs = parse_args("Digits", args)?;
    let bytes = match &a.path {
        Some(p) => read_file(p)?,
        None => EMBEDDED_DIGITS.to_vec(),
    };
    let label = a.path.as_deref().unwrap_or("<embedded digits>");
    parse_label_last_csv(&maybe_gunzip(&bytes, label)?, 8, 16.0, label)
}
register_data!("Digits", digits);

fn mnist_csv(args: &toml::Table, _seed: u64) -> Result<ImageDataset, EstimError> {
    let a: MnistCsvArgs = parse_args("MnistCsv", args)?;
    let text = maybe_gunzip(&read_file(&a.path)?, &a.path)?;
    parse_label_last_csv(&text, 28, 255.0, &a.path)
}
register_data!("MnistCsv", mnist_csv);

fn idx(args: &toml::Table, _seed: u64) -> Result<ImageDataset, EstimError> {
    let a: IdxArgs = parse_args("Idx", args)?;
    read_idx(&a.images, &a.labels)
}
register_data!("Idx", idx);

fn cifar10(args: &toml::Table, _seed: u64) -> Result<ImageDataset, EstimError> {
    let a: Cifar10Args = parse_args("Cifar10", args)?;
    read_cifar10(&a.files)
}
register_data!("Cifar10", cifar10);

fn image_folder(args: &toml::Table, _seed: u64) -> Result<ImageDataset, EstimError> {
    let a: ImageFolderArgs = parse_args("ImageFolder", args)?;
    read_image_folder(&a.path, a.size, a.channels)
}
register_data!("ImageFolder", image_folder);

fn generated(args: &toml::Table, seed: u64) -> Result<ImageDataset, EstimError> {
    let a: SyntheticArgs = parse_args("Synthetic", args)?;
    if a.classes == 0 || a.channels == 0 || a.size == 0 {
        return Err(EstimError::InvalidArgs {
            component: "Synthetic".into(),
            reason: "`classes`, `channels` and `size` must be positive".into(),
        });
    }
    Ok(synthetic(a.n, a.classes, a.channels, a.size, seed))
}
register_data!("Synthetic", generated);
