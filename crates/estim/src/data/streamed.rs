//! [`StreamedImages`]: an image source read lazily, one image when it is asked for, for data
//! that does not fit in memory. It is a Burn `Dataset` of [`ImageItem`]s, so Burn's
//! `DataLoader` shuffles, batches ([`ImageBatcher`]) and prefetches it with its workers. What
//! it keeps in memory is bounded: the decoded images of a least-recently-used cache of
//! `cache` items (`lru` crate), and one label per image for IDX and image folders (a byte or
//! a path each). IDX and CIFAR-10 records are read at their offset (a gzipped file is spooled
//! to disk once, see `record_file.rs`); image-folder files are decoded when read.
//!
//! ```no_run
//! use burn::data::dataloader::DataLoaderBuilder;
//! use modnas_estim::data::{ImageBatcher, StreamedImages};
//! # fn main() -> Result<(), modnas_estim::EstimError> {
//! let spool = std::env::temp_dir();
//! let train = StreamedImages::idx("train-images.gz", "train-labels.gz", 4096, &spool)?;
//! let loader = DataLoaderBuilder::new(ImageBatcher).batch_size(64).shuffle(0).build(train);
//! # Ok(()) }
//! ```

use super::image_folder::{decode_image, list_image_folder};
use super::record_file::{read_small, RecordFile};
use crate::EstimError;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::{Device, Int, Tensor, TensorData};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One image (`C·H·W` values in [0, 1], channel-major) and its class.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageItem {
    /// The pixels, shared with the cache.
    pub pixels: Arc<[f32]>,
    /// `[C, H, W]`.
    pub shape: [usize; 3],
    /// The class index.
    pub label: usize,
}

/// Where the images are read from.
#[derive(Debug)]
enum Reader {
    /// IDX images (one byte per pixel after a 16-byte header); labels in memory.
    Idx { images: RecordFile, labels: Vec<u8> },
    /// CIFAR-10 batch files: a label byte and 3072 pixel bytes per record.
    Cifar(Vec<RecordFile>),
    /// Image files with their class, decoded when read.
    Folder(Vec<(PathBuf, usize)>),
}

/// An image source read lazily, one image when asked for, with a bounded least-recently-used
/// cache of decoded images; a Burn `Dataset` of [`ImageItem`]s.
#[derive(Debug)]
pub struct StreamedImages {
    reader: Reader,
    shape: [usize; 3],
    classes: usize,
    len: usize,
    cache: Option<Mutex<LruCache<usize, ImageItem>>>,
}

const CIFAR_SIDE: usize = 32;
const CIFAR_RECORD: usize = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;

impl StreamedImages {
    /// IDX image and label files (raw or gzipped: Fashion-MNIST, MNIST); a gzipped image file
    /// is spooled into `spool_dir`.
    pub fn idx(
        images: &str,
        labels: &str,
        cache: usize,
        spool_dir: &Path,
    ) -> Result<Self, EstimError> {
        let bad = |path: &str, reason: String| EstimError::BadData {
            path: path.to_string(),
            reason,
        };
        let head = RecordFile::open(images, 0, 1, spool_dir)?;
        let mut header = [0u8; 16];
        head.read_at(0, &mut header)
            .map_err(|_| bad(images, "truncated IDX header".into()))?;
        let word = |i: usize| u32::from_be_bytes([0, 1, 2, 3].map(|k| header[i * 4 + k])) as usize;
        let (magic, n, h, w) = (word(0), word(1), word(2), word(3));
        if magic != 2051 {
            return Err(bad(
                images,
                format!("image magic is {magic}, expected 2051"),
            ));
        }
        let records = head.framed(16, (h * w).max(1))?;
        if records.len() != n {
            return Err(bad(
                images,
                format!(
                    "{} images of {h}×{w} stored, header says {n}",
                    records.len()
                ),
            ));
        }
        let label_bytes = read_small(labels)?;
        let magic = label_bytes
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        if magic != Some(2049) || label_bytes.len() != 8 + n {
            return Err(bad(
                labels,
                format!(
                    "expected magic 2049 and {n} labels; got {:?} and {} bytes",
                    magic,
                    label_bytes.len()
                ),
            ));
        }
        let labels = label_bytes[8..].to_vec();
        let classes = labels.iter().max().map_or(0, |m| usize::from(*m) + 1);
        let reader = Reader::Idx {
            images: records,
            labels,
        };
        Ok(Self::new(reader, [1, h, w], classes, n, cache))
    }

    /// CIFAR-10 binary batch files (raw or gzipped).
    pub fn cifar10(files: &[String], cache: usize, spool_dir: &Path) -> Result<Self, EstimError> {
        let files = files
            .iter()
            .map(|f| RecordFile::open(f, 0, CIFAR_RECORD, spool_dir))
            .collect::<Result<Vec<_>, _>>()?;
        let len = files.iter().map(RecordFile::len).sum();
        let shape = [3, CIFAR_SIDE, CIFAR_SIDE];
        Ok(Self::new(Reader::Cifar(files), shape, 10, len, cache))
    }

    /// An image folder (one sub-folder per class), each image resized to `size`×`size` with
    /// `channels` (1 or 3) when read.
    pub fn image_folder(
        root: &str,
        size: usize,
        channels: usize,
        cache: usize,
    ) -> Result<Self, EstimError> {
        if !(channels == 1 || channels == 3) || size == 0 {
            return Err(EstimError::BadData {
                path: root.to_string(),
                reason: format!(
                    "`channels` = {channels} must be 1 or 3 and `size` = {size} positive"
                ),
            });
        }
        let (files, classes) = list_image_folder(Path::new(root))?;
        let len = files.len();
        let shape = [channels, size, size];
        Ok(Self::new(Reader::Folder(files), shape, classes, len, cache))
    }

    fn new(reader: Reader, shape: [usize; 3], classes: usize, len: usize, cache: usize) -> Self {
        let cache = NonZeroUsize::new(cache).map(|n| Mutex::new(LruCache::new(n)));
        Self {
            reader,
            shape,
            classes,
            len,
            cache,
        }
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the source has no images.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `[C, H, W]` of every image.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The images the cache holds now (at most its capacity).
    pub fn cached(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| lock(c).len())
    }

    /// The most images the cache holds (0: no cache).
    pub fn cache_capacity(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| lock(c).cap().get())
    }

    /// Image `index`, read from the source (or the cache).
    pub fn read(&self, index: usize) -> Result<ImageItem, EstimError> {
        if index >= self.len {
            return Err(EstimError::BadData {
                path: self.source_name(),
                reason: format!("image {index} asked of {}", self.len),
            });
        }
        if let Some(hit) = self
            .cache
            .as_ref()
            .and_then(|c| lock(c).get(&index).cloned())
        {
            return Ok(hit);
        }
        let item = self.decode(index)?;
        if let Some(cache) = &self.cache {
            lock(cache).put(index, item.clone());
        }
        Ok(item)
    }

    fn decode(&self, index: usize) -> Result<ImageItem, EstimError> {
        let [c, h, w] = self.shape;
        let scale =
            |bytes: &[u8]| -> Arc<[f32]> { bytes.iter().map(|&b| f32::from(b) / 255.0).collect() };
        match &self.reader {
            Reader::Idx { images, labels } => {
                let mut buf = vec![0u8; h * w];
                images.record(index, &mut buf)?;
                Ok(ImageItem {
                    pixels: scale(&buf),
                    shape: self.shape,
                    label: usize::from(labels[index]),
                })
            }
            Reader::Cifar(files) => {
                let (mut file, mut at) = (0, index);
                while at >= files[file].len() {
                    at -= files[file].len();
                    file += 1;
                }
                let mut buf = vec![0u8; CIFAR_RECORD];
                files[file].record(at, &mut buf)?;
                let label = usize::from(buf[0]);
                if label >= 10 {
                    return Err(EstimError::BadData {
                        path: files[file].path().to_string(),
                        reason: format!("record {at}: label {label} is not in 0..10"),
                    });
                }
                Ok(ImageItem {
                    pixels: scale(&buf[1..]),
                    shape: self.shape,
                    label,
                })
            }
            Reader::Folder(files) => {
                let (path, label) = &files[index];
                let mut pixels = vec![0.0; c * h * w];
                decode_image(path, h, c, &mut pixels)?;
                Ok(ImageItem {
                    pixels: pixels.into(),
                    shape: self.shape,
                    label: *label,
                })
            }
        }
    }

    fn source_name(&self) -> String {
        match &self.reader {
            Reader::Idx { images, .. } => images.path().to_string(),
            Reader::Cifar(files) => files
                .first()
                .map_or(String::new(), |f| f.path().to_string()),
            Reader::Folder(files) => files
                .first()
                .map_or(String::new(), |f| f.0.display().to_string()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned cache only means a reader panicked mid-insert; its entries are whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Dataset<ImageItem> for StreamedImages {
    fn get(&self, index: usize) -> Result<ImageItem, DatasetError> {
        self.read(index).map_err(DatasetError::new)
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// A batch of images and their classes.
#[derive(Clone, Debug)]
pub struct ImageBatch {
    /// `[N, C, H, W]`.
    pub images: Tensor<4>,
    /// `[N]`.
    pub labels: Tensor<1, Int>,
}

/// Stacks [`ImageItem`]s into an [`ImageBatch`] on the loader's device.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImageBatcher;

impl Batcher<ImageItem, ImageBatch> for ImageBatcher {
    fn batch(&self, items: Vec<ImageItem>, device: &Device) -> ImageBatch {
        let n = items.len();
        let [c, h, w] = items.first().map_or([0; 3], |i| i.shape);
        let pixels: Vec<f32> = items
            .iter()
            .flat_map(|i| i.pixels.iter().copied())
            .collect();
        let labels: Vec<i64> = items.iter().map(|i| i.label as i64).collect();
        ImageBatch {
            images: Tensor::from_data(TensorData::new(pixels, [n, c, h, w]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{read_cifar10, read_idx};
    use burn::data::dataloader::DataLoaderBuilder;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(path: &Path, bytes: &[u8]) {
        let mut enc = GzEncoder::new(std::fs::File::create(path).unwrap(), Default::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap();
    }

    /// `n` IDX images of 3×2 whose pixels are `10·i + k`, labels `i % 4`.
    fn write_idx(dir: &Path, n: usize) -> (String, String) {
        let mut images = [2051u32, n as u32, 3, 2].map(u32::to_be_bytes).concat();
        images.extend((0..n).flat_map(|i| (0..6).map(move |k| (10 * i + k) as u8)));
        let mut labels = [2049u32, n as u32].map(u32::to_be_bytes).concat();
        labels.extend((0..n).map(|i| (i % 4) as u8));
        let (img, lab) = (dir.join("img.gz"), dir.join("lab.gz"));
        gz(&img, &images);
        gz(&lab, &labels);
        (img.display().to_string(), lab.display().to_string())
    }

    #[test]
    fn idx_images_are_read_lazily_as_the_eager_reader_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let (img, lab) = write_idx(dir.path(), 10);
        let lazy = StreamedImages::idx(&img, &lab, 4, dir.path()).unwrap();
        let eager = read_idx(&img, &lab).unwrap();
        assert_eq!(
            (lazy.len(), lazy.shape(), lazy.classes()),
            (10, [1, 3, 2], 4)
        );
        for i in 0..10 {
            let item = lazy.read(i).unwrap();
            assert_eq!(
                &*item.pixels,
                &eager.pixels[i * 6..(i + 1) * 6],
                "image {i}"
            );
            assert_eq!(item.label, eager.labels[i]);
        }
        let err = lazy.read(10).unwrap_err().to_string();
        assert!(err.contains("image 10 asked of 10"), "{err}");
    }

    #[test]
    fn a_streamed_source_never_holds_more_than_its_cache() {
        let dir = tempfile::tempdir().unwrap();
        let (img, lab) = write_idx(dir.path(), 40);
        let lazy = Arc::new(StreamedImages::idx(&img, &lab, 5, dir.path()).unwrap());
        let loader = DataLoaderBuilder::new(ImageBatcher)
            .batch_size(8)
            .shuffle(3)
            .num_workers(2)
            .build(lazy.clone());
        let mut seen = 0;
        for _epoch in 0..2 {
            for batch in loader.iter() {
                let batch = batch.unwrap();
                assert_eq!(batch.images.dims()[1..], [1, 3, 2]);
                seen += batch.labels.dims()[0];
                assert!(lazy.cached() <= 5, "{} cached", lazy.cached());
            }
        }
        assert_eq!((seen, lazy.cached(), lazy.cache_capacity()), (80, 5, 5));
        // A recent image comes from the cache, shared, not read again.
        let recent = (0..40).find(|i| {
            let a = lazy.read(*i).unwrap();
            Arc::ptr_eq(&a.pixels, &lazy.read(*i).unwrap().pixels)
        });
        assert!(recent.is_some());
        let none = StreamedImages::idx(&img, &lab, 0, dir.path()).unwrap();
        none.read(3).unwrap();
        assert_eq!((none.cached(), none.cache_capacity()), (0, 0));
    }

    #[test]
    fn cifar_records_and_image_folders_read_as_their_eager_readers() {
        let dir = tempfile::tempdir().unwrap();
        let record = |label: u8, v: u8| [vec![label], vec![v; CIFAR_RECORD - 1]].concat();
        let (a, b) = (dir.path().join("a.bin"), dir.path().join("b.bin"));
        std::fs::write(&a, [record(1, 10), record(2, 20)].concat()).unwrap();
        std::fs::write(&b, record(7, 255)).unwrap();
        let files = [a, b].map(|p| p.display().to_string());
        let lazy = StreamedImages::cifar10(&files, 2, dir.path()).unwrap();
        let eager = read_cifar10(&files).unwrap();
        assert_eq!(lazy.len(), 3);
        for i in 0..3 {
            let item = lazy.read(i).unwrap();
            assert_eq!(&*item.pixels, &eager.pixels[i * 3072..(i + 1) * 3072]);
            assert_eq!(item.label, eager.labels[i]);
        }
        std::fs::write(dir.path().join("bad.bin"), record(12, 0)).unwrap();
        let bad = [dir.path().join("bad.bin").display().to_string()];
        let err = StreamedImages::cifar10(&bad, 0, dir.path())
            .unwrap()
            .read(0);
        assert!(err.unwrap_err().to_string().contains("label 12"));

        let root = dir.path().join("folder");
        for (class, v) in [("cat", 200u8), ("dog", 40u8)] {
            std::fs::create_dir_all(root.join(class)).unwrap();
            image::GrayImage::from_pixel(5, 5, image::Luma([v]))
                .save(root.join(class).join("x.png"))
                .unwrap();
        }
        let root = root.display().to_string();
        let lazy = StreamedImages::image_folder(&root, 4, 1, 1).unwrap();
        let eager = crate::data::read_image_folder(&root, 4, 1).unwrap();
        assert_eq!((lazy.len(), lazy.classes()), (2, 2));
        for i in 0..2 {
            assert_eq!(
                &*lazy.read(i).unwrap().pixels,
                &eager.pixels[i * 16..(i + 1) * 16]
            );
        }
        let err = StreamedImages::image_folder(&root, 4, 2, 1).unwrap_err();
        assert!(err.to_string().contains("`channels` = 2"), "{err}");
    }
}
