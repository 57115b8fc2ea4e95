//! Many runs from one file: comparisons of spaces × optimizers × seeds (`modnas compare`) and
//! pipelines of searches, augment steps and tuning runs (`modnas pipeline`), in a batch
//! directory.

pub mod compare;
pub(crate) mod dir;
pub mod pipeline;
