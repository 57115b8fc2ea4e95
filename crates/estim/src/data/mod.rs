//! Data sets: readers (embedded digits, CSV, IDX, CIFAR-10 binary, image folders, synthetic),
//! selected by name from TOML, and per-channel normalisation.

mod augment;
mod builtin;
mod cifar;
mod csv;
mod dataset;
mod from_dataset;
mod idx;
mod image_folder;
mod normalize;
mod record_file;
mod registry;
mod source;
mod source_args;
mod streamed;
mod synthetic;

pub use self::csv::*;
pub use augment::Augment;
pub use cifar::read_cifar10;
pub use dataset::{DataSplit, ImageDataset};
pub use idx::{parse_idx, read_idx};
pub use image_folder::read_image_folder;
pub use normalize::{channel_stats, normalize};
pub(crate) use registry::registered;
pub use registry::{data_names, DataBuildFn, DataEntry};
pub use source::load_data;
pub use streamed::{ImageBatch, ImageBatcher, ImageItem, StreamedImages};
pub use synthetic::synthetic;
