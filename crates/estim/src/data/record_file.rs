//! A file of fixed-size records read one record at a time (IDX images, CIFAR-10 batches).
//! A gzipped file cannot be read at an offset, so it is first decompressed, as a stream, to
//! a spool file on disk (never whole in memory), which later runs reuse: the spool's name
//! comes from the source's path, size and modification time.

use super::maybe_gunzip;
use crate::EstimError;
use flate2::read::GzDecoder;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Records of `stride` bytes after a header of `header` bytes.
#[derive(Debug)]
pub(crate) struct RecordFile {
    /// The source's path, as the user gave it (named in errors).
    path: String,
    file: Mutex<File>,
    header: usize,
    stride: usize,
    count: usize,
}

fn io(path: &str) -> impl FnOnce(std::io::Error) -> EstimError + '_ {
    move |source| EstimError::Io {
        path: path.to_string(),
        source,
    }
}

impl RecordFile {
    /// Opens `path` (raw or gzipped; a gzipped one is spooled into `spool_dir`) as records
    /// of `stride` bytes after `header` bytes.
    pub(crate) fn open(
        path: &str,
        header: usize,
        stride: usize,
        spool_dir: &Path,
    ) -> Result<Self, EstimError> {
        let raw = spooled(path, spool_dir)?;
        let file = File::open(&raw).map_err(io(path))?;
        let record = Self {
            path: path.to_string(),
            file: Mutex::new(file),
            header: 0,
            stride: 1,
            count: 0,
        };
        record.framed(header, stride)
    }

    /// The same file read as records of `stride` bytes after `header` bytes (a header read
    /// first tells the layout of the records after it).
    pub(crate) fn framed(mut self, header: usize, stride: usize) -> Result<Self, EstimError> {
        let meta = lock(&self.file).metadata().map_err(io(&self.path))?;
        let len = meta.len() as usize;
        let body = len.saturating_sub(header);
        if len < header || stride == 0 || !body.is_multiple_of(stride) {
            return Err(EstimError::BadData {
                path: self.path,
                reason: format!(
                    "{len} bytes is not a {header}-byte header and whole {stride}-byte records"
                ),
            });
        }
        (self.header, self.stride, self.count) = (header, stride, body / stride);
        Ok(self)
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The source's path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Reads `buf.len()` bytes at `offset` from the start of the (decompressed) file.
    pub(crate) fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), EstimError> {
        let mut file = lock(&self.file);
        file.seek(SeekFrom::Start(offset as u64))
            .and_then(|_| file.read_exact(buf))
            .map_err(io(&self.path))
    }

    /// Reads record `index` into `buf` (`stride` bytes).
    pub(crate) fn record(&self, index: usize, buf: &mut [u8]) -> Result<(), EstimError> {
        self.read_at(self.header + index * self.stride, buf)
    }
}

fn lock(file: &Mutex<File>) -> std::sync::MutexGuard<'_, File> {
    // A poisoned lock only means another reader panicked; the file itself is fine.
    file.lock().unwrap_or_else(|e| e.into_inner())
}

/// The path to read `path` from: itself when it is not gzipped, else its spool file (written
/// now unless an earlier run left it).
fn spooled(path: &str, spool_dir: &Path) -> Result<PathBuf, EstimError> {
    let mut magic = [0u8; 2];
    let mut file = File::open(path).map_err(io(path))?;
    let n = file.read(&mut magic).map_err(io(path))?;
    if n < 2 || magic != [0x1f, 0x8b] {
        return Ok(PathBuf::from(path));
    }
    let meta = file.metadata().map_err(io(path))?;
    let mut key = std::collections::hash_map::DefaultHasher::new();
    (std::fs::canonicalize(path).map_err(io(path))?, meta.len()).hash(&mut key);
    meta.modified().ok().hash(&mut key);
    let name = Path::new(path)
        .file_stem()
        .map_or("data".into(), |s| s.to_string_lossy());
    let spool = spool_dir.join(format!("{name}-{:016x}.raw", key.finish()));
    if spool.exists() {
        return Ok(spool);
    }
    let dir = spool_dir.display().to_string();
    std::fs::create_dir_all(spool_dir).map_err(io(&dir))?;
    // Written beside and renamed, so that a reader never sees half a spool.
    let partial = spool.with_extension(format!("part-{}", std::process::id()));
    let part = partial.display().to_string();
    let mut out = File::create(&partial).map_err(io(&part))?;
    let source = File::open(path).map_err(io(path))?;
    std::io::copy(&mut GzDecoder::new(source), &mut out).map_err(io(path))?;
    std::fs::rename(&partial, &spool).map_err(io(&part))?;
    Ok(spool)
}

/// A small file read whole (IDX labels: one byte per image), gzipped or raw.
pub(crate) fn read_small(path: &str) -> Result<Vec<u8>, EstimError> {
    maybe_gunzip(&super::read_file(path)?, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    #[test]
    fn records_are_read_at_their_offset_raw_or_through_a_reused_spool() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = [vec![9, 9], (0..12).collect()].concat();
        let raw = dir.path().join("r.bin");
        std::fs::write(&raw, &bytes).unwrap();
        let gz = dir.path().join("r.bin.gz");
        let mut enc = GzEncoder::new(File::create(&gz).unwrap(), Default::default());
        enc.write_all(&bytes).unwrap();
        enc.finish().unwrap();
        let spool = dir.path().join("spool");
        for path in [&raw, &gz] {
            let f = RecordFile::open(&path.display().to_string(), 2, 4, &spool).unwrap();
            assert_eq!(f.len(), 3);
            let mut buf = [0u8; 4];
            f.record(2, &mut buf).unwrap();
            assert_eq!(buf, [8, 9, 10, 11]);
        }
        let spools: Vec<_> = std::fs::read_dir(&spool).unwrap().collect();
        assert_eq!(spools.len(), 1, "only the gzipped file is spooled");
        RecordFile::open(&gz.display().to_string(), 2, 4, &spool).unwrap();
        assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 1, "and reused");
    }

    #[test]
    fn a_file_of_partial_records_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.bin");
        std::fs::write(&path, [0u8; 7]).unwrap();
        let err = RecordFile::open(&path.display().to_string(), 2, 4, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("odd.bin") && err.contains("4-byte records"),
            "{err}"
        );
    }
}
