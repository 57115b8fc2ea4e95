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
    synthetic, EMBEDDED_DIGITS,
};
use crate::{register_data, EstimError};

register_data!(
    /// the 1 797 sklearn digits, 8×8 grey, 10 classes; embedded
    "Digits", |a: DigitsArgs, _| {
        let bytes = match &a.path {
            Some(p) => read_file(p)?,
            None => EMBEDDED_DIGITS.to_vec(),
        };
        let label = a.path.as_deref().unwrap_or("<embedded digits>");
        parse_label_last_csv(&maybe_gunzip(&bytes, label)?, 8, 16.0, label)
    }
);

register_data!(
    /// MNIST-style CSV: 28×28 pixels 0–255, label last
    "MnistCsv", |a: MnistCsvArgs, _| {
        let text = maybe_gunzip(&read_file(&a.path)?, &a.path)?;
        parse_label_last_csv(&text, 28, 255.0, &a.path)
    }
);

register_data!(
    /// IDX image and label files (MNIST, Fashion-MNIST)
    "Idx", |a: IdxArgs, _| {
        read_idx(&a.images, &a.labels)
    }
);

register_data!(
    /// CIFAR-10 binary batches, 32×32 RGB
    "Cifar10", |a: Cifar10Args, _| {
        read_cifar10(&a.files)
    }
);

register_data!(
    /// one sub-folder of PNG/JPEG images per class, resized
    "ImageFolder", |a: ImageFolderArgs, _| {
        read_image_folder(&a.path, a.size, a.channels)
    }
);

register_data!(
    /// one random pattern per class plus 30 % noise, seeded (tests, smoke runs)
    "Synthetic", |a: SyntheticArgs, seed| {
        if a.classes == 0 || a.channels == 0 || a.size == 0 {
            return Err(EstimError::InvalidArgs {
                component: "Synthetic".into(),
                reason: "`classes`, `channels` and `size` must be positive".into(),
            });
        }
        Ok(synthetic(a.n, a.classes, a.channels, a.size, seed))
    }
);
