//! An image folder: one sub-folder per class (classes in name order), PNG or JPEG files inside.
//! Every image is resized to `size`×`size` and read as RGB (3 channels) or grey (1).

use super::ImageDataset;
use crate::EstimError;
use image::imageops::FilterType;
use std::path::Path;

fn bad(path: &Path, reason: impl Into<String>) -> EstimError {
    EstimError::BadData {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, EstimError> {
    let entries = std::fs::read_dir(dir).map_err(|source| EstimError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    Ok(paths)
}

/// Reads the image folder at `root` with images of `channels` (1 or 3) × `size` × `size`.
pub fn read_image_folder(
    root: &str,
    size: usize,
    channels: usize,
) -> Result<ImageDataset, EstimError> {
    let root = Path::new(root);
    if !(channels == 1 || channels == 3) || size == 0 {
        return Err(bad(
            root,
            format!("`channels` = {channels} must be 1 or 3 and `size` = {size} positive"),
        ));
    }
    let (files, classes) = list_image_folder(root)?;
    let mut data = ImageDataset {
        pixels: vec![0.0; files.len() * channels * size * size],
        labels: files.iter().map(|(_, label)| *label).collect(),
        shape: [channels, size, size],
        classes,
    };
    let per_image = channels * size * size;
    for ((file, _), out) in files.iter().zip(data.pixels.chunks_mut(per_image)) {
        decode_image(file, size, channels, out)?;
    }
    Ok(data)
}

/// Decodes the image at `file`, resized to `size`×`size`, into `out` (`channels`·size²
/// values in [0, 1], channel-major as the networks take them).
pub(crate) fn decode_image(
    file: &Path,
    size: usize,
    channels: usize,
    out: &mut [f32],
) -> Result<(), EstimError> {
    let side = u32::try_from(size).map_err(|_| bad(file, "`size` is too large"))?;
    let img = image::open(file).map_err(|e| bad(file, e.to_string()))?;
    let img = img.resize_exact(side, side, FilterType::Triangle);
    let plane = size * size;
    if channels == 1 {
        for (i, p) in img.to_luma8().pixels().enumerate() {
            out[i] = f32::from(p.0[0]) / 255.0;
        }
    } else {
        for (i, p) in img.to_rgb8().pixels().enumerate() {
            for c in 0..3 {
                out[c * plane + i] = f32::from(p.0[c]) / 255.0;
            }
        }
    }
    Ok(())
}

/// The image files of the class folders under `root` (PNG or JPEG, in name order) with their
/// class index, and the number of classes.
pub(crate) fn list_image_folder(
    root: &Path,
) -> Result<(Vec<(std::path::PathBuf, usize)>, usize), EstimError> {
    let classes: Vec<_> = sorted_entries(root)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    if classes.is_empty() {
        return Err(bad(
            root,
            "no class sub-folders (one folder of images per class)",
        ));
    }
    let mut files = vec![];
    for (label, class) in classes.iter().enumerate() {
        for file in sorted_entries(class)? {
            let ext = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg")) {
                files.push((file, label));
            }
        }
    }
    if files.is_empty() {
        return Err(bad(root, "no PNG or JPEG images in the class folders"));
    }
    Ok((files, classes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_come_from_folders_and_images_are_resized() {
        let dir = tempfile::tempdir().unwrap();
        for (class, value) in [("cat", 255u8), ("dog", 0u8)] {
            let folder = dir.path().join(class);
            std::fs::create_dir(&folder).unwrap();
            let img = image::RgbImage::from_pixel(6, 4, image::Rgb([value, value / 2, 0]));
            img.save(folder.join("a.png")).unwrap();
            std::fs::write(folder.join("notes.txt"), "not an image").unwrap();
        }
        let root = dir.path().display().to_string();
        let data = read_image_folder(&root, 3, 3).unwrap();
        assert_eq!((data.len(), data.classes, data.shape), (2, 2, [3, 3, 3]));
        assert_eq!(data.labels, vec![0, 1]);
        assert!(
            data.pixels[..9].iter().all(|p| (*p - 1.0).abs() < 1e-6),
            "red plane of `cat`"
        );
        assert!(data.pixels[18..27].iter().all(|p| *p == 0.0), "blue plane");
        let grey = read_image_folder(&root, 2, 1).unwrap();
        assert_eq!(grey.pixels.len(), 2 * 4);

        std::fs::write(dir.path().join("dog").join("b.png"), "broken").unwrap();
        let err = read_image_folder(&root, 3, 3).unwrap_err().to_string();
        assert!(err.contains("b.png"), "{err}");
        let err = read_image_folder("/no/such/dir", 3, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/no/such/dir"), "{err}");
    }
}
