//! Training-time augmentation on the host, per image of a batch: random crop after zero
//! padding (`crop_padding`, as for CIFAR: pad 4, crop 32) and random horizontal flip (`flip`).
//! Cutout works on the device (`cutout_mask`).

use super::ImageDataset;
use burn::tensor::{Device, Int, Tensor};
use rand::Rng;

/// Which augmentations to apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    /// Zero padding on each side before a random crop back to the original size (0: none).
    pub crop_padding: usize,
    /// Flip each image left–right with probability ½.
    pub flip: bool,
}

impl Augment {
    /// True when nothing is applied.
    pub fn is_none(&self) -> bool {
        self.crop_padding == 0 && !self.flip
    }

    /// Augments one channel-major image of `shape` in place.
    pub fn apply(&self, image: &mut [f32], [c, h, w]: [usize; 3], rng: &mut impl Rng) {
        let pad = self.crop_padding;
        let (dy, dx) = if pad > 0 {
            (rng.random_range(0..=2 * pad), rng.random_range(0..=2 * pad))
        } else {
            (pad, pad)
        };
        let flip = self.flip && rng.random_bool(0.5);
        if (dy, dx) == (pad, pad) && !flip {
            return;
        }
        let src = image.to_vec();
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    // Output (y, x) reads padded (y + dy, x' + dx), i.e. source (y + dy − pad, …).
                    let xs = if flip { w - 1 - x } else { x };
                    let (sy, sx) = ((y + dy).checked_sub(pad), (xs + dx).checked_sub(pad));
                    image[(ch * h + y) * w + x] = match (sy, sx) {
                        (Some(sy), Some(sx)) if sy < h && sx < w => src[(ch * h + sy) * w + sx],
                        _ => 0.0,
                    };
                }
            }
        }
    }
}

impl ImageDataset {
    /// The batch at `indices` with `augment` applied to each image, as tensors on `device`.
    pub fn augmented_batch(
        &self,
        indices: &[usize],
        augment: &Augment,
        rng: &mut impl Rng,
        device: &Device,
    ) -> (Tensor<4>, Tensor<1, Int>) {
        if augment.is_none() {
            return self.batch(indices, device);
        }
        let n = self.shape.iter().product::<usize>();
        let mut pixels = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            let start = pixels.len();
            pixels.extend_from_slice(&self.pixels[i * n..(i + 1) * n]);
            augment.apply(&mut pixels[start..], self.shape, rng);
        }
        self.tensors(pixels, indices, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn flips_mirror_and_crops_shift_with_zero_fill() {
        let image: Vec<f32> = (1..=9).map(|v| v as f32).collect(); // 1×3×3
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let flip = Augment {
            crop_padding: 0,
            flip: true,
        };
        let mut seen_flip = false;
        for _ in 0..20 {
            let mut x = image.clone();
            flip.apply(&mut x, [1, 3, 3], &mut rng);
            if x != image {
                assert_eq!(x, vec![3., 2., 1., 6., 5., 4., 9., 8., 7.]);
                seen_flip = true;
            }
        }
        assert!(seen_flip);
        let crop = Augment {
            crop_padding: 1,
            flip: false,
        };
        for _ in 0..50 {
            let mut x = image.clone();
            crop.apply(&mut x, [1, 3, 3], &mut rng);
            let kept: Vec<f32> = x.iter().copied().filter(|v| *v != 0.0).collect();
            // A shift by at most one pixel: the kept values are a contiguous block of the image.
            assert!(kept.len() >= 4, "{x:?}");
            assert!(kept.windows(2).all(|p| p[0] < p[1]), "order is kept: {x:?}");
        }
    }
}
