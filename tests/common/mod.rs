//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a part

pub mod device_parity;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

/// A new search run of `cfg` in `dir`, with no per-trial callback.
pub fn new_run(
    cfg: &modnas::Config,
    dir: &std::path::Path,
) -> Result<modnas::SearchRun, modnas::ModnasError> {
    modnas::run_search(cfg, dir, modnas::RunMode::New, &mut |_| {})
}

/// The run's journal, each trial as JSON without its wall time (which differs from run to
/// run): what an interrupted and resumed run must equal.
pub fn journal_without_seconds(dir: &std::path::Path) -> Vec<String> {
    modnas::run::read_journal(dir)
        .unwrap()
        .into_iter()
        .map(|mut t| {
            t.seconds = 0.0;
            serde_json::to_string(&t).unwrap()
        })
        .collect()
}

/// Burn seeds weight initialisation per device, process-wide: tests that train run one at a
/// time, so that parallel test threads do not interleave their draws.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every trainable weight of a model, flattened (BN running statistics excluded).
pub fn trainable<M: Module>(m: &M) -> Vec<f32> {
    struct Flat(Vec<f32>);
    impl ModuleVisitor for Flat {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            if p.is_require_grad() {
                self.0
                    .extend(p.val().into_data().try_to_vec_as::<f32>().unwrap());
            }
        }
    }
    let mut f = Flat(vec![]);
    m.visit(&mut f);
    f.0
}

/// A small DARTS supernet search on synthetic data: 3 cells of 2 nodes, C = 4, 2 epochs.
pub const DARTS_SEARCH: &str = r#"
seed = 5
[data]
type = "Synthetic"
args = { n = 48, classes = 3, size = 8 }
[model]
type = "DARTSNet"
args = { channels = 4, layers = 3, nodes = 2 }
[construct.args]
mixed_op = "DARTSMixedOp"
candidates = ["NIL", "MAX", "IDT", "SC3"]
[optim]
type = "DARTSOptim"
[estim.search]
type = "SuperNetEstim"
args = { epochs = 2, batch_size = 16 }
"#;

/// An unconstructed DARTSNet of 3 cells of 2 nodes with C = `channels`, for `c_in`-channel
/// images of `classes` classes.
pub fn tiny_darts(
    c_in: usize,
    classes: usize,
    channels: usize,
    device: &burn::tensor::Device,
) -> modnas::models::DARTSNet {
    modnas::models::DARTSNetConfig::new(c_in, classes)
        .with_channels(channels)
        .with_layers(3)
        .with_nodes(2)
        .init(device)
        .expect("a valid DARTSNet config")
}

/// A constructed ConvNet with `op` in every slot, for `side`×`side` grey images of `classes`
/// classes.
pub fn convnet(
    channels: &[usize],
    strides: &[usize],
    (side, classes): (usize, usize),
    op: &str,
    device: &burn::tensor::Device,
) -> modnas::construct::NetBox {
    use modnas::construct::{build_model, construct, CandidateSets, ModelInput};
    let input = ModelInput {
        channels: 1,
        height: side,
        width: side,
        classes,
    };
    let args: toml::Table =
        toml::from_str(&format!("channels = {channels:?}\nstrides = {strides:?}")).unwrap();
    let net = build_model("ConvNet", &args, &input, device).unwrap();
    construct(net, &CandidateSets::uniform([op]), device)
        .unwrap()
        .model
}

/// A DefaultEstim training run of a one-slot ConvNet on 32 synthetic 4×4 images of 2
/// classes, with Adam.
pub const TRAIN_ONE: &str = r#"
[data]
type = "Synthetic"
args = { n = 32, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["NC3"]
[estim.search]
type = "DefaultEstim"
[trainer]
args = { optimizer = "adam", lr = 0.05, batch_size = 8 }
"#;
