//! [`ImageDataset`]: images in memory as `f32` in `[0, 1]`, with labels; train/valid split and
//! batching into Burn tensors.

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::Rng;

/// Images `[N, C, H, W]` (row-major, values in `[0, 1]`) with class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageDataset {
    /// Pixel values, `N·C·H·W`.
    pub pixels: Vec<f32>,
    /// Labels, `N`.
    pub labels: Vec<usize>,
    /// `[C, H, W]`.
    pub shape: [usize; 3],
    /// Number of classes.
    pub classes: usize,
}

/// A train/valid(/test) split of one data set.
#[derive(Clone, Debug)]
pub struct DataSplit {
    /// Training images.
    pub train: ImageDataset,
    /// Validation images: what a search ranks architectures by.
    pub valid: ImageDataset,
    /// Test images, held out of the search (`test_ratio`); empty unless asked for. The final
    /// training (`DefaultEstim`) reports `test_acc` and `test_loss` on them.
    pub test: ImageDataset,
}

impl DataSplit {
    /// A split with no images, for runs that train nothing (table lookups).
    pub fn empty() -> Self {
        let none = ImageDataset {
            pixels: vec![],
            labels: vec![],
            shape: [0, 0, 0],
            classes: 0,
        };
        Self {
            train: none.clone(),
            valid: none.clone(),
            test: none,
        }
    }

    /// Moves `ratio` of all images (rounded, at least one when `ratio > 0`) from the training
    /// part to a test part, drawn with `rng`; the validation part is left as it is.
    pub fn hold_out_test(&mut self, ratio: f64, rng: &mut impl Rng) -> Result<(), String> {
        if !(0.0..1.0).contains(&ratio) {
            return Err(format!("`test_ratio` = {ratio} must lie in [0, 1)"));
        }
        if ratio == 0.0 {
            return Ok(());
        }
        let total = self.train.len() + self.valid.len() + self.test.len();
        let n_test = ((total as f64 * ratio).round() as usize).max(1);
        if n_test >= self.train.len() {
            return Err(format!(
                "`test_ratio` = {ratio} takes {n_test} of the {} training images; at least one must stay",
                self.train.len()
            ));
        }
        let mut order: Vec<usize> = (0..self.train.len()).collect();
        order.shuffle(rng);
        let (test, train) = order.split_at(n_test);
        self.test = self.train.subset(test);
        self.train = self.train.subset(train);
        Ok(())
    }
}

impl ImageDataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn image_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// The images at `indices`, as a new data set.
    pub fn subset(&self, indices: &[usize]) -> ImageDataset {
        let n = self.image_len();
        let mut pixels = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            pixels.extend_from_slice(&self.pixels[i * n..(i + 1) * n]);
        }
        ImageDataset {
            pixels,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            shape: self.shape,
            classes: self.classes,
        }
    }

    /// Shuffles with `rng`, then holds out `valid_ratio` of the images for validation.
    pub fn split(&self, valid_ratio: f64, rng: &mut impl Rng) -> DataSplit {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(rng);
        let n_valid = ((self.len() as f64) * valid_ratio).round() as usize;
        let n_valid = n_valid.clamp(1.min(self.len()), self.len().saturating_sub(1).max(1));
        let (valid, train) = order.split_at(n_valid.min(self.len()));
        DataSplit {
            train: self.subset(train),
            valid: self.subset(valid),
            test: self.subset(&[]),
        }
    }

    /// The batch of images at `indices` as tensors on `device`.
    pub fn batch(&self, indices: &[usize], device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
        let n = self.image_len();
        let mut pixels = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            pixels.extend_from_slice(&self.pixels[i * n..(i + 1) * n]);
        }
        self.tensors(pixels, indices, device)
    }

    /// `pixels` (the images at `indices`, in order) and their labels as tensors on `device`.
    pub(crate) fn tensors(
        &self,
        pixels: Vec<f32>,
        indices: &[usize],
        device: &Device,
    ) -> (Tensor<4>, Tensor<1, Int>) {
        let [c, h, w] = self.shape;
        let images = Tensor::from_data(TensorData::new(pixels, [indices.len(), c, h, w]), device);
        let labels: Vec<i64> = indices.iter().map(|&i| self.labels[i] as i64).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [indices.len()]), device);
        (images, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn tiny() -> ImageDataset {
        ImageDataset {
            pixels: (0..10).map(|i| i as f32).collect(),
            labels: (0..10).map(|i| i % 2).collect(),
            shape: [1, 1, 1],
            classes: 2,
        }
    }

    #[test]
    fn split_partitions_all_images() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let s = tiny().split(0.3, &mut rng);
        assert_eq!((s.train.len(), s.valid.len()), (7, 3));
        let mut all: Vec<f32> = s
            .train
            .pixels
            .iter()
            .chain(&s.valid.pixels)
            .copied()
            .collect();
        all.sort_by(f32::total_cmp);
        assert_eq!(all, tiny().pixels);
    }

    #[test]
    fn batch_builds_tensors() {
        let (x, y) = tiny().batch(&[3, 4], &Device::default());
        assert_eq!(x.dims(), [2, 1, 1, 1]);
        assert_eq!(y.dims(), [2]);
    }
}
