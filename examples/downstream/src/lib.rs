//! A user's components for modnas: a small residual network with three slots
//! ([`TinyResNet`]), a convolution with squeeze-and-excitation as a candidate ([`SEConv`]), a
//! metric that counts those blocks ([`SEBlocksMetric`]), a coordinate-descent optimizer
//! ([`CoordinateOptim`]), a tabular MLP with a dense candidate of its own ([`SwishMlp`],
//! [`UserSwish`]) searched by its own training loop, and a task of its own searched from TOML
//! ([`WaveformTask`]: a sequence model over waveforms), and a run callback ([`ProgressLines`]).
//! Each registers itself with one line.

mod coordinate_optim;
mod progress_lines;
mod se_blocks_metric;
mod se_conv;
pub mod swish_mlp;
mod tiny_resnet;
mod waveform;

pub use coordinate_optim::CoordinateOptim;
pub use progress_lines::{ProgressLines, ProgressLinesArgs};
pub use se_blocks_metric::SEBlocksMetric;
pub use se_conv::SEConv;
pub use swish_mlp::{SwishMlp, UserSwish};
pub use tiny_resnet::{TinyResNet, TinyResNetConfig};
pub use waveform::{WaveNet, WaveformTask, Waves};
