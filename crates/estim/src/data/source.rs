//! Data sources by name, as the `[data]` table of a config selects them: the registered
//! source reads its own arguments, modnas splits what it returns.

use super::{normalize, registered, DataSplit, ImageDataset};
use crate::EstimError;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn finish(
    name: &str,
    data: ImageDataset,
    valid_ratio: f64,
    limit: Option<usize>,
    seed: u64,
) -> Result<DataSplit, EstimError> {
    if !(valid_ratio > 0.0 && valid_ratio < 1.0) {
        return Err(EstimError::InvalidArgs {
            component: name.to_string(),
            reason: format!("`valid_ratio` = {valid_ratio} must lie strictly between 0 and 1"),
        });
    }
    let data = match limit {
        Some(n) if n < data.len() => data.subset(&(0..n).collect::<Vec<_>>()),
        _ => data,
    };
    if data.len() < 2 {
        return Err(EstimError::BadData {
            path: name.to_string(),
            reason: format!(
                "{} image(s); at least 2 are needed for a train/valid split",
                data.len()
            ),
        });
    }
    Ok(data.split(valid_ratio, &mut StdRng::seed_from_u64(seed)))
}

/// Loads the data source `name` with its TOML `args`, split with `seed`. Every source also
/// takes `normalize = true` (per-channel normalisation with the training part's statistics)
/// and `test_ratio` (a share of all images held out of the search as a test part; default 0).
pub fn load_data(name: &str, args: &toml::Table, seed: u64) -> Result<DataSplit, EstimError> {
    let mut args = args.clone();
    let normalized = match args.remove("normalize") {
        None => false,
        Some(toml::Value::Boolean(b)) => b,
        Some(other) => {
            return Err(EstimError::InvalidArgs {
                component: name.to_string(),
                reason: format!("`normalize` = {other} must be true or false"),
            })
        }
    };
    let test_ratio = match args.remove("test_ratio") {
        None => 0.0,
        Some(toml::Value::Float(r)) => r,
        Some(toml::Value::Integer(r)) => r as f64,
        Some(other) => {
            return Err(EstimError::InvalidArgs {
                component: name.to_string(),
                reason: format!("`test_ratio` = {other} must be a number in [0, 1)"),
            })
        }
    };
    let mut split = load_source(name, &args, seed)?;
    // Its own stream, so asking for a test part leaves the validation part as it was.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7E57_0000);
    split
        .hold_out_test(test_ratio, &mut rng)
        .map_err(|reason| EstimError::InvalidArgs {
            component: name.to_string(),
            reason,
        })?;
    if normalized {
        let (mean, std) = normalize(&mut split);
        tracing::info!(?mean, ?std, "data normalised per channel");
    }
    Ok(split)
}

fn load_source(name: &str, args: &toml::Table, seed: u64) -> Result<DataSplit, EstimError> {
    let load = registered(name)?;
    let a = split_args(name, args)?;
    finish(name, load(&a.rest, seed)?, a.valid_ratio, a.limit, seed)
}

/// A source's arguments: the split keys modnas reads, and the source's own.
struct SplitArgs {
    valid_ratio: f64,
    limit: Option<usize>,
    rest: toml::Table,
}

fn split_args(name: &str, args: &toml::Table) -> Result<SplitArgs, EstimError> {
    let mut rest = args.clone();
    let bad = |key: &str, v: &toml::Value, want: &str| EstimError::InvalidArgs {
        component: name.to_string(),
        reason: format!("`{key}` = {v} must be {want}"),
    };
    let valid_ratio = match rest.remove("valid_ratio") {
        None => 0.2,
        Some(toml::Value::Float(r)) => r,
        Some(toml::Value::Integer(r)) => r as f64,
        Some(v) => return Err(bad("valid_ratio", &v, "a number between 0 and 1")),
    };
    let limit = match rest.remove("limit") {
        None => None,
        Some(toml::Value::Integer(n)) if n > 0 => Some(n as usize),
        Some(v) => return Err(bad("limit", &v, "a positive integer")),
    };
    Ok(SplitArgs {
        valid_ratio,
        limit,
        rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_lists_the_known_ones() {
        let err = load_data("Cifar", &toml::Table::new(), 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`Cifar`"), "{err}");
        for known in [
            "Digits",
            "MnistCsv",
            "Idx",
            "Cifar10",
            "ImageFolder",
            "Synthetic",
        ] {
            assert!(err.contains(known), "{known} missing: {err}");
        }
    }

    #[test]
    fn limit_and_ratio_apply() {
        let args: toml::Table = toml::from_str("limit = 100\nvalid_ratio = 0.25").unwrap();
        let s = load_data("Digits", &args, 1).unwrap();
        assert_eq!((s.train.len(), s.valid.len()), (75, 25));
        let args: toml::Table = toml::from_str("valid_ratio = 1.5").unwrap();
        assert!(load_data("Digits", &args, 1)
            .unwrap_err()
            .to_string()
            .contains("valid_ratio"));
    }

    #[test]
    fn a_test_part_comes_out_of_the_training_part_only() {
        let plain: toml::Table = toml::from_str("limit = 100\nvalid_ratio = 0.25").unwrap();
        let base = load_data("Digits", &plain, 1).unwrap();
        let args: toml::Table =
            toml::from_str("limit = 100\nvalid_ratio = 0.25\ntest_ratio = 0.1").unwrap();
        let s = load_data("Digits", &args, 1).unwrap();
        assert_eq!((s.train.len(), s.valid.len(), s.test.len()), (65, 25, 10));
        assert_eq!(s.valid, base.valid, "the validation part is unchanged");
        for bad in [
            "test_ratio = 1.0",
            "test_ratio = -0.1",
            "test_ratio = \"a\"",
            "test_ratio = 0.8",
        ] {
            let args: toml::Table = toml::from_str(&format!("limit = 100\n{bad}")).unwrap();
            let e = load_data("Digits", &args, 1).unwrap_err().to_string();
            assert!(e.contains("test_ratio"), "{bad}: {e}");
        }
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn mnist_csv_file_loads_gzipped_or_plain() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for label in [3, 7, 3, 1] {
            let pixels: Vec<String> = (0..784).map(|i| ((i * label) % 256).to_string()).collect();
            text.push_str(&format!("{},{label}\n", pixels.join(",")));
        }
        for (name, bytes) in [
            ("m.csv", text.as_bytes().to_vec()),
            ("m.csv.gz", gz(text.as_bytes())),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let mut args = toml::Table::new();
            args.insert("path".into(), path.display().to_string().into());
            args.insert("valid_ratio".into(), 0.5.into());
            let s = load_data("MnistCsv", &args, 0).unwrap();
            assert_eq!(
                (s.train.len(), s.valid.len(), s.train.shape),
                (2, 2, [1, 28, 28])
            );
            assert_eq!(s.train.classes, 8);
        }
    }

    #[test]
    fn idx_files_load_gzipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut images = vec![];
        for v in [2051u32, 4, 3, 3] {
            images.extend_from_slice(&v.to_be_bytes());
        }
        images.extend((0..36u8).map(|i| i * 7));
        let mut labels = vec![];
        for v in [2049u32, 4] {
            labels.extend_from_slice(&v.to_be_bytes());
        }
        labels.extend([0u8, 1, 2, 1]);
        let (ip, lp) = (dir.path().join("i.gz"), dir.path().join("l"));
        std::fs::write(&ip, gz(&images)).unwrap();
        std::fs::write(&lp, &labels).unwrap();
        let args: toml::Table = toml::from_str(&format!(
            "images = {:?}\nlabels = {:?}\nvalid_ratio = 0.25",
            ip.display().to_string(),
            lp.display().to_string()
        ))
        .unwrap();
        let s = load_data("Idx", &args, 0).unwrap();
        assert_eq!(
            (s.train.len(), s.valid.len(), s.train.shape),
            (3, 1, [1, 3, 3])
        );
    }
}
