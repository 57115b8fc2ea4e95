//! `StreamedImageTask`: image classification over a source read lazily ([`StreamedImages`]:
//! IDX, CIFAR-10 binary or an image folder, a bounded cache in memory), for data sets larger
//! than memory. A registered model (`model = { type, args }`, as `[model]`) is built for the
//! source's shape and classes; Burn `DataLoader`s shuffle and prefetch the batches; trials
//! report `acc` and `loss` on a validation part split off the source with a fixed seed.
//!
//! ```toml
//! [task]
//! type = "StreamedImageTask"
//! args = { source = { type = "Idx", images = "train-images-idx3-ubyte.gz",
//!          labels = "train-labels-idx1-ubyte.gz" }, cache = 4096,
//!          model = { type = "ConvNet", args = { channels = [8, 16] } } }
//! ```

use super::scores::ClassificationScores;
use super::task::{Task, TaskData};
use crate::data::{ImageBatch, ImageBatcher, ImageItem, StreamedImages};
use crate::estim::Batches;
use crate::EstimError;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::transform::{PartialDataset, ShuffledDataset};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use modnas_construct::{build_model, ModelInput, NetBox};
use modnas_core::MetricMap;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Where the images come from (`source = { type = …, … }`).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum StreamedSource {
    /// IDX image and label files, raw or gzipped (MNIST, Fashion-MNIST).
    Idx {
        /// The image file.
        images: String,
        /// The label file.
        labels: String,
    },
    /// CIFAR-10 binary batch files.
    Cifar10 {
        /// The batch files, read in order.
        files: Vec<String>,
    },
    /// One sub-folder of PNG/JPEG images per class.
    ImageFolder {
        /// The folder of class folders.
        root: String,
        /// The side images are resized to.
        size: usize,
        /// 1 (grey) or 3 (RGB); 3 when left out.
        #[serde(default)]
        channels: Option<usize>,
    },
}

/// The registered model of a task (`model = { type, args }`).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelChoice {
    /// A registered model's name (`modnas list models`).
    #[serde(rename = "type")]
    pub name: String,
    /// Its arguments.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub args: toml::Table,
}

/// Image classification over a lazily read source (`[task] type = "StreamedImageTask"`): a
/// registered model, Burn data loaders over [`StreamedImages`], `acc` and `loss`.
#[modnas_core::nas_config]
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamedImageTask {
    /// The images.
    pub source: StreamedSource,
    /// The model built for them.
    pub model: ModelChoice,
    /// The part of the source held out to score trials (split with seed 0).
    #[config(default = 0.1)]
    pub valid_ratio: f64,
    /// Only the first `limit` images of the source. Default: all.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Decoded images kept in memory (a least-recently-used cache).
    #[config(default = 4096)]
    pub cache: usize,
    /// Where gzipped files are decompressed to (once, reused). Default: the temporary
    /// directory's `modnas-spool`.
    #[serde(default)]
    pub spool_dir: Option<PathBuf>,
    /// Batch size.
    #[config(default = 64)]
    pub batch_size: usize,
    /// The data loaders' reading threads.
    #[config(default = 2)]
    pub workers: usize,
    /// Adam's learning rate.
    #[config(default = 1e-3)]
    pub lr: f64,
    #[serde(skip)]
    #[schemars(skip)]
    opened: OnceLock<Arc<StreamedImages>>,
}

type Part = PartialDataset<Arc<ShuffledDataset<Arc<StreamedImages>, ImageItem>>, ImageItem>;

impl StreamedImageTask {
    fn invalid(reason: String) -> EstimError {
        EstimError::InvalidArgs {
            component: "StreamedImageTask".into(),
            reason,
        }
    }

    /// The source, opened once and shared by every trial (and its cache with them).
    pub fn images(&self) -> Result<Arc<StreamedImages>, EstimError> {
        if let Some(open) = self.opened.get() {
            return Ok(open.clone());
        }
        let spool =
            (self.spool_dir.clone()).unwrap_or_else(|| std::env::temp_dir().join("modnas-spool"));
        let images = match &self.source {
            StreamedSource::Idx { images, labels } => {
                StreamedImages::idx(images, labels, self.cache, &spool)?
            }
            StreamedSource::Cifar10 { files } => {
                StreamedImages::cifar10(files, self.cache, &spool)?
            }
            StreamedSource::ImageFolder {
                root,
                size,
                channels,
            } => StreamedImages::image_folder(root, *size, channels.unwrap_or(3), self.cache)?,
        };
        Ok(self.opened.get_or_init(|| Arc::new(images)).clone())
    }

    /// The validation and training parts: a fixed shuffle of the first `limit` images.
    fn parts(&self) -> Result<(Part, Part), EstimError> {
        if !(0.0..1.0).contains(&self.valid_ratio) || self.valid_ratio == 0.0 {
            return Err(Self::invalid(format!(
                "`valid_ratio` = {} must lie in (0, 1)",
                self.valid_ratio
            )));
        }
        let images = self.images()?;
        let n = self.limit.unwrap_or(images.len()).min(images.len());
        let n_valid = ((n as f64 * self.valid_ratio).round() as usize).clamp(1, n.max(1));
        if n < 2 || n_valid >= n {
            return Err(Self::invalid(format!(
                "{n} images cannot make a validation part of {} and a training part",
                self.valid_ratio
            )));
        }
        // The split does not move with the search's seed: every trial scores on the same part.
        let shuffled = Arc::new(ShuffledDataset::new(images, 0));
        let valid = PartialDataset::new(shuffled.clone(), 0, n_valid);
        let train = PartialDataset::new(shuffled, n_valid, n);
        Ok((valid, train))
    }
}

impl Task for StreamedImageTask {
    type Model = NetBox;
    type Batch = ImageBatch;

    fn model(&self, device: &Device) -> Result<NetBox, EstimError> {
        let images = self.images()?;
        let [channels, height, width] = images.shape();
        let input = ModelInput {
            channels,
            height,
            width,
            classes: images.classes(),
        };
        Ok(build_model(
            &self.model.name,
            &self.model.args,
            &input,
            device,
        )?)
    }

    fn data(&self, device: &Device, seed: u64) -> Result<TaskData<ImageBatch>, EstimError> {
        if self.batch_size == 0 {
            return Err(Self::invalid("`batch_size` must be at least 1".into()));
        }
        let (valid, train) = self.parts()?;
        let loader = || {
            DataLoaderBuilder::new(ImageBatcher)
                .batch_size(self.batch_size)
                .num_workers(self.workers)
                .set_device(device.clone())
        };
        let train: Arc<dyn DataLoader<ImageBatch>> = loader().shuffle(seed).build(train);
        let valid: Arc<dyn DataLoader<ImageBatch>> = loader().build(valid);
        Ok(TaskData::new(train, valid))
    }

    fn loss(&self, model: &NetBox, batch: &ImageBatch) -> Result<Tensor<1>, EstimError> {
        let logits = model.forward(batch.images.clone());
        let ce = CrossEntropyLossConfig::new().init(&logits.device());
        Ok(ce.forward(logits, batch.labels.clone()))
    }

    fn evaluate(
        &self,
        model: &NetBox,
        valid: &dyn Batches<ImageBatch>,
    ) -> Result<MetricMap, EstimError> {
        let mut scores = ClassificationScores::default();
        for batch in valid.epoch() {
            let batch = batch?;
            scores.add(model.forward(batch.images), batch.labels);
        }
        if scores.rows() == 0 {
            return Err(Self::invalid("the validation part gave no images".into()));
        }
        Ok(scores.finish())
    }

    fn optimizer(&self) -> (ModuleOptimizer, f64) {
        (AdamConfig::new().init(), self.lr)
    }
}

crate::register_task!(
    /// image classification over IDX, CIFAR-10 or an image folder read lazily (a bounded cache), a
    /// registered model
    "StreamedImageTask", StreamedImageTask
);
