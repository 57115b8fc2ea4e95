//! [`MetricTable`]: metrics of architectures read from a CSV file, keyed by an arch string.

use crate::EstimError;
use modnas_core::MetricMap;
use std::collections::HashMap;

/// Rows of a CSV table: the key column → the numeric columns as metrics.
#[derive(Clone, Debug, Default)]
pub struct MetricTable {
    rows: HashMap<String, MetricMap>,
}

impl MetricTable {
    /// Reads `path`: a header row, the `key` column and numeric metric columns (other
    /// non-numeric columns are ignored).
    pub fn read(path: &str, key: &str) -> Result<Self, EstimError> {
        let bad = |reason: String| EstimError::BadData {
            path: path.to_string(),
            reason,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(source) => EstimError::Io {
                path: path.to_string(),
                source,
            },
            other => bad(format!("{other:?}")),
        })?;
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        let key_at = headers.iter().position(|h| h == key).ok_or_else(|| {
            bad(format!(
                "no key column `{key}`; columns: [{}]",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })?;
        let mut rows = HashMap::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| bad(format!("row {}: {e}", i + 2)))?;
            let mut metrics = MetricMap::new();
            for (j, field) in record.iter().enumerate() {
                if j != key_at {
                    if let Ok(v) = field.trim().parse::<f64>() {
                        metrics.insert(headers[j].to_string(), v);
                    }
                }
            }
            let arch = record.get(key_at).unwrap_or_default().trim().to_string();
            if rows.insert(arch.clone(), metrics).is_some() {
                return Err(bad(format!(
                    "row {}: architecture `{arch}` appears twice",
                    i + 2
                )));
            }
        }
        if rows.is_empty() {
            return Err(bad("the table has no rows".into()));
        }
        Ok(Self { rows })
    }

    /// The metrics of `arch`.
    pub fn get(&self, arch: &str) -> Option<&MetricMap> {
        self.rows.get(arch)
    }

    /// `(key, metrics)` of every row, in no particular order.
    pub fn rows(&self) -> impl Iterator<Item = (&String, &MetricMap)> {
        self.rows.iter()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numeric_columns_and_rejects_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "arch,acc,note,flops\na,0.5,x,10\nb,0.7,y,20\n").unwrap();
        let t = MetricTable::read(path.to_str().unwrap(), "arch").unwrap();
        assert_eq!(t.len(), 2);
        let b = t.get("b").unwrap();
        assert_eq!((b["acc"], b["flops"]), (0.7, 20.0));
        assert!(!b.contains_key("note"));
        let err = MetricTable::read(path.to_str().unwrap(), "name")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no key column `name`; columns: [arch, acc, note, flops]"),
            "{err}"
        );
        std::fs::write(&path, "arch,acc\na,1\na,2\n").unwrap();
        let err = MetricTable::read(path.to_str().unwrap(), "arch")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`a` appears twice"), "{err}");
    }
}
