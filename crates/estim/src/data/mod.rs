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
pub use augment::*;
pub use cifar::*;
pub use dataset::*;
pub use idx::*;
pub use image_folder::*;
pub use normalize::*;
pub use registry::*;
pub use source::*;
pub use streamed::*;
pub use synthetic::*;
