//! A synthetic, learnable data set for tests: each class is a fixed random pattern plus noise.

use super::ImageDataset;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `n` images of `channels`×`size`×`size` in `classes` classes, generated from `seed`.
pub fn synthetic(
    n: usize,
    classes: usize,
    channels: usize,
    size: usize,
    seed: u64,
) -> ImageDataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let len = channels * size * size;
    let patterns: Vec<Vec<f32>> = (0..classes)
        .map(|_| (0..len).map(|_| rng.random::<f32>()).collect())
        .collect();
    let mut pixels = Vec::with_capacity(n * len);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % classes.max(1);
        pixels.extend(
            patterns[label]
                .iter()
                .map(|p| (0.7 * p + 0.3 * rng.random::<f32>()).clamp(0.0, 1.0)),
        );
        labels.push(label);
    }
    ImageDataset {
        pixels,
        labels,
        shape: [channels, size, size],
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_is_deterministic() {
        let a = synthetic(10, 3, 1, 4, 5);
        assert_eq!(a, synthetic(10, 3, 1, 4, 5));
        assert_ne!(a, synthetic(10, 3, 1, 4, 6));
        assert_eq!(a.labels[..4], [0, 1, 2, 0]);
    }
}
