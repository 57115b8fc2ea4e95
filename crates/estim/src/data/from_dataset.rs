//! A Burn `Dataset` as an [`ImageDataset`]: the bridge from `burn::data` (an `InMemDataset`, a
//! `burn-dataset` reader, your own `Dataset` impl) to modnas's searches, for a data source
//! registered with [`register_data!`](crate::register_data).
//!
//! ```
//! use burn::data::dataset::InMemDataset;
//! use modnas_estim::data::ImageDataset;
//! #[derive(Clone)]
//! struct Row { features: [f32; 3], label: usize }
//! let rows = InMemDataset::new(vec![
//!     Row { features: [0.1, 0.2, 0.3], label: 0 },
//!     Row { features: [0.9, 0.8, 0.7], label: 1 },
//! ]);
//! // Tabular rows are [features, 1, 1] images.
//! let data = ImageDataset::from_dataset(&rows, [3, 1, 1], 2, |r| Ok((r.features.to_vec(), r.label))).unwrap();
//! assert_eq!((data.len(), data.classes, data.labels.clone()), (2, 2, vec![0, 1]));
//! ```

use super::ImageDataset;
use crate::EstimError;
use burn::data::dataset::{Dataset, DatasetError};

impl ImageDataset {
    /// Reads every item of `dataset` through `sample`, which gives its `c·h·w` values (in
    /// `shape` = `[c, h, w]` order) and its label below `classes`. The first item that fails,
    /// or has the wrong size or label, is the error, by index.
    pub fn from_dataset<I>(
        dataset: &impl Dataset<I, DatasetError>,
        shape: [usize; 3],
        classes: usize,
        sample: impl Fn(I) -> Result<(Vec<f32>, usize), String>,
    ) -> Result<Self, EstimError> {
        let size: usize = shape.iter().product();
        let bad = |i: usize, reason: String| EstimError::BadData {
            path: "<burn dataset>".into(),
            reason: format!("item {i}: {reason}"),
        };
        let mut pixels = Vec::with_capacity(dataset.len() * size);
        let mut labels = Vec::with_capacity(dataset.len());
        for i in 0..dataset.len() {
            let item = dataset.get(i).map_err(|e| bad(i, e.to_string()))?;
            let (values, label) = sample(item).map_err(|e| bad(i, e))?;
            if values.len() != size {
                return Err(bad(
                    i,
                    format!("{} values, not {size} ({shape:?})", values.len()),
                ));
            }
            if label >= classes {
                return Err(bad(
                    i,
                    format!("label {label} is not below {classes} classes"),
                ));
            }
            pixels.extend(values);
            labels.push(label);
        }
        Ok(Self {
            pixels,
            labels,
            shape,
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::data::dataset::InMemDataset;

    #[test]
    fn wrong_sizes_and_labels_are_refused_by_item() {
        let rows = InMemDataset::new(vec![(vec![1.0, 2.0], 0usize), (vec![1.0], 1)]);
        let e = ImageDataset::from_dataset(&rows, [2, 1, 1], 2, Ok).unwrap_err();
        assert!(
            e.to_string().contains("item 1") && e.to_string().contains("1 values"),
            "{e}"
        );
        let rows = InMemDataset::new(vec![(vec![1.0, 2.0], 5usize)]);
        let e = ImageDataset::from_dataset(&rows, [2, 1, 1], 2, Ok).unwrap_err();
        assert!(e.to_string().contains("label 5"), "{e}");
    }
}
