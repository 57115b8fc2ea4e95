//! CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`): each
//! record is one label byte and a 32×32 RGB image stored channel by channel (3 × 1024 bytes).

use super::{maybe_gunzip, read_file, ImageDataset};
use crate::EstimError;

const SIDE: usize = 32;
const RECORD: usize = 1 + 3 * SIDE * SIDE;

/// Reads CIFAR-10 binary batch files (raw or gzip) into one data set, pixels scaled to [0, 1].
pub fn read_cifar10(files: &[String]) -> Result<ImageDataset, EstimError> {
    let mut data = ImageDataset {
        pixels: vec![],
        labels: vec![],
        shape: [3, SIDE, SIDE],
        classes: 10,
    };
    for file in files {
        let bytes = maybe_gunzip(&read_file(file)?, file)?;
        let bad = |reason: String| EstimError::BadData {
            path: file.clone(),
            reason,
        };
        if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
            return Err(bad(format!(
                "{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records",
                bytes.len()
            )));
        }
        for (i, record) in bytes.chunks(RECORD).enumerate() {
            let label = usize::from(record[0]);
            if label >= 10 {
                return Err(bad(format!("record {i}: label {label} is not in 0..10")));
            }
            data.labels.push(label);
            data.pixels
                .extend(record[1..].iter().map(|&b| f32::from(b) / 255.0));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(label: u8, value: u8) -> Vec<u8> {
        let mut r = vec![label];
        r.extend(std::iter::repeat_n(value, RECORD - 1));
        r
    }

    #[test]
    fn records_become_images_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data_batch_1.bin");
        let mut bytes = record(3, 255);
        bytes.extend(record(9, 0));
        std::fs::write(&path, &bytes).unwrap();
        let file = path.display().to_string();
        let data = read_cifar10(std::slice::from_ref(&file)).unwrap();
        assert_eq!(
            (data.len(), data.shape, data.labels.clone()),
            (2, [3, 32, 32], vec![3, 9])
        );
        assert!(data.pixels[..3072].iter().all(|p| *p == 1.0));

        std::fs::write(&path, &bytes[..100]).unwrap();
        let err = read_cifar10(std::slice::from_ref(&file))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("data_batch_1.bin") && err.contains("3073-byte"),
            "{err}"
        );
        std::fs::write(&path, record(12, 0)).unwrap();
        let err = read_cifar10(&[file]).unwrap_err().to_string();
        assert!(err.contains("label 12"), "{err}");
    }
}
