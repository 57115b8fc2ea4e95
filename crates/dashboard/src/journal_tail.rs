//! Follows a JSON-lines file that another process appends to: each read takes only the bytes
//! added since the last one, parses the complete lines and leaves a half-written last line for
//! the next read, so a reader never sees half a record.

use serde::de::DeserializeOwned;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

/// The records of one JSON-lines file read so far.
#[derive(Debug)]
pub struct JournalTail<T> {
    path: PathBuf,
    /// Bytes of complete lines consumed.
    offset: u64,
    records: Vec<T>,
    malformed: usize,
}

impl<T: DeserializeOwned> JournalTail<T> {
    /// A reader of `path`, which need not exist yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            offset: 0,
            records: vec![],
            malformed: 0,
        }
    }

    /// Reads what was appended since the last call and returns how many records it added. A
    /// line that does not parse is skipped and counted; a file that shrank (a run started
    /// over) is read again from its start.
    pub fn refresh(&mut self) -> std::io::Result<usize> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            self.offset = 0;
            self.records.clear();
            self.malformed = 0;
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = vec![];
        file.take(len - self.offset).read_to_end(&mut bytes)?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let before = self.records.len();
        for line in bytes[..complete].split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<T>(line) {
                Ok(record) => self.records.push(record),
                Err(e) => {
                    self.malformed += 1;
                    tracing::debug!(path = %self.path.display(), error = %e, "skipping a malformed line");
                }
            }
        }
        self.offset += complete as u64;
        Ok(self.records.len() - before)
    }

    /// Every record read so far, in file order.
    pub fn records(&self) -> &[T] {
        &self.records
    }

    /// Lines skipped because they did not parse.
    pub fn malformed(&self) -> usize {
        self.malformed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn half_written_lines_wait_and_malformed_ones_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let mut tail = JournalTail::<serde_json::Value>::new(&path);
        assert_eq!(tail.refresh().unwrap(), 0, "no file yet");
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"{\"a\": 1}\nnot json\n{\"a\": 2").unwrap();
        f.flush().unwrap();
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.malformed(), 1);
        f.write_all(b"}\n").unwrap();
        f.flush().unwrap();
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.records()[1]["a"], 2);
        // A run started over in the same file is read from its start.
        std::fs::write(&path, "{\"a\": 3}\n").unwrap();
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.records().len(), 1);
        assert_eq!(tail.malformed(), 0);
    }
}
