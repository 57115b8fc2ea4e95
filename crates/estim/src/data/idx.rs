//! IDX readers (MNIST / Fashion-MNIST), gzipped or raw: images (magic 2051) and labels
//! (magic 2049), big-endian dimensions.

use super::csv::{maybe_gunzip, read_file};
use super::ImageDataset;
use crate::EstimError;

fn be_u32(bytes: &[u8], at: usize, path: &str) -> Result<usize, EstimError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| EstimError::BadData {
            path: path.to_string(),
            reason: "truncated header".into(),
        })
}

/// Parses IDX image and label files already in memory.
pub fn parse_idx(
    images: &[u8],
    labels: &[u8],
    images_path: &str,
    labels_path: &str,
) -> Result<ImageDataset, EstimError> {
    let bad = |path: &str, reason: String| EstimError::BadData {
        path: path.to_string(),
        reason,
    };
    let magic = be_u32(images, 0, images_path)?;
    if magic != 2051 {
        return Err(bad(
            images_path,
            format!("image magic is {magic}, expected 2051"),
        ));
    }
    let (n, h, w) = (
        be_u32(images, 4, images_path)?,
        be_u32(images, 8, images_path)?,
        be_u32(images, 12, images_path)?,
    );
    let body = &images[16..];
    if body.len() != n * h * w {
        return Err(bad(
            images_path,
            format!("{} pixel bytes for {n} images of {h}×{w}", body.len()),
        ));
    }
    let magic = be_u32(labels, 0, labels_path)?;
    if magic != 2049 {
        return Err(bad(
            labels_path,
            format!("label magic is {magic}, expected 2049"),
        ));
    }
    let n_labels = be_u32(labels, 4, labels_path)?;
    let label_bytes = &labels[8..];
    if n_labels != n || label_bytes.len() != n {
        return Err(bad(
            labels_path,
            format!("{n_labels} labels for {n} images"),
        ));
    }
    let labels: Vec<usize> = label_bytes.iter().map(|&b| b as usize).collect();
    Ok(ImageDataset {
        pixels: body.iter().map(|&p| p as f32 / 255.0).collect(),
        classes: labels.iter().max().map_or(0, |m| m + 1),
        labels,
        shape: [1, h, w],
    })
}

/// Reads an IDX image file and label file (each gzipped or raw).
pub fn read_idx(images_path: &str, labels_path: &str) -> Result<ImageDataset, EstimError> {
    let images = maybe_gunzip(&read_file(images_path)?, images_path)?;
    let labels = maybe_gunzip(&read_file(labels_path)?, labels_path)?;
    parse_idx(&images, &labels, images_path, labels_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(n: u32) -> (Vec<u8>, Vec<u8>) {
        let mut images = vec![];
        for v in [2051u32, n, 2, 2] {
            images.extend_from_slice(&v.to_be_bytes());
        }
        images.extend((0..n * 4).map(|i| (i * 10) as u8));
        let mut labels = vec![];
        for v in [2049u32, n] {
            labels.extend_from_slice(&v.to_be_bytes());
        }
        labels.extend((0..n).map(|i| i as u8));
        (images, labels)
    }

    #[test]
    fn parses_header_and_pixels() {
        let (i, l) = idx(3);
        let d = parse_idx(&i, &l, "i", "l").unwrap();
        assert_eq!((d.len(), d.shape, d.classes), (3, [1, 2, 2], 3));
        assert!((d.pixels[1] - 10.0 / 255.0).abs() < 1e-6);
    }

    #[test]
    fn rejects_wrong_magic_and_counts() {
        let (mut i, l) = idx(3);
        i[3] = 0;
        assert!(parse_idx(&i, &l, "i", "l")
            .unwrap_err()
            .to_string()
            .contains("expected 2051"));
        let (i, _) = idx(3);
        let (_, l) = idx(2);
        assert!(parse_idx(&i, &l, "i", "l")
            .unwrap_err()
            .to_string()
            .contains("2 labels for 3 images"));
    }
}
