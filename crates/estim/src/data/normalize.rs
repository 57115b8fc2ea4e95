//! Per-channel normalisation: `(x − mean) / std` with the training images' statistics, the same
//! for the validation and test images (`normalize = true` in any `[data.args]`).

use super::{DataSplit, ImageDataset};

/// Mean and standard deviation of each channel of `data`.
pub fn channel_stats(data: &ImageDataset) -> (Vec<f32>, Vec<f32>) {
    let [c, h, w] = data.shape;
    let plane = h * w;
    let mut sum = vec![0f64; c];
    let mut sq = vec![0f64; c];
    for image in data.pixels.chunks(c * plane) {
        for (ch, values) in image.chunks(plane).enumerate() {
            for &v in values {
                sum[ch] += f64::from(v);
                sq[ch] += f64::from(v) * f64::from(v);
            }
        }
    }
    let n = (data.len() * plane).max(1) as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    let std = sq
        .iter()
        .zip(&mean)
        .map(|(s, m)| ((s / n - m * m).max(0.0).sqrt() as f32).max(1e-6))
        .collect();
    (mean.into_iter().map(|m| m as f32).collect(), std)
}

fn apply(data: &mut ImageDataset, mean: &[f32], std: &[f32]) {
    let [c, h, w] = data.shape;
    let plane = h * w;
    for image in data.pixels.chunks_mut(c * plane) {
        for (ch, values) in image.chunks_mut(plane).enumerate() {
            values
                .iter_mut()
                .for_each(|v| *v = (*v - mean[ch]) / std[ch]);
        }
    }
}

/// Normalises every part of `split` with the training part's per-channel statistics; returns
/// them.
pub fn normalize(split: &mut DataSplit) -> (Vec<f32>, Vec<f32>) {
    let (mean, std) = channel_stats(&split.train);
    for part in [&mut split.train, &mut split.valid, &mut split.test] {
        apply(part, &mean, &std);
    }
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_channels_end_with_zero_mean_and_unit_std() {
        let data = super::super::synthetic(40, 2, 3, 4, 1);
        let mut split = data.split(
            0.25,
            &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0),
        );
        let (mean, std) = normalize(&mut split);
        assert_eq!((mean.len(), std.len()), (3, 3));
        let (m, s) = channel_stats(&split.train);
        for (m, s) in m.iter().zip(&s) {
            assert!(m.abs() < 1e-4 && (s - 1.0).abs() < 1e-3, "{m} {s}");
        }
        let (vm, _) = channel_stats(&split.valid);
        assert!(
            vm.iter().all(|m| m.abs() < 1.0),
            "valid uses the train statistics: {vm:?}"
        );
    }
}
