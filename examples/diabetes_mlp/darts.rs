//! `--darts`: the MLP's hidden widths and activations searched by DARTS instead of trial by
//! trial. Each of two blocks has a hidden-layer slot (one linear layer, or two with a hidden
//! width of 2 or 4 × 16, or none: the identity) and an activation slot (ReLU, GELU, SiLU); the
//! supernet holds all
//! of them at once behind DARTS mixed operators, its weights trained by Adam on half the
//! training patients and α on the other half (`FunctionalSuperNet`, Burn `DataLoader`s over
//! the same `Batcher` the `Learner` path uses). The derived architecture is then trained from
//! scratch by the file's own loop and scored on the held-out fifth, beside a plain MLP of the
//! same width (every hidden layer linear, every activation a ReLU) trained the same way.

use crate::learner::{patients, PatientBatch, PatientBatcher};
use crate::{fit, mean_std, rmse, Data, FEATURES};
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::module::Module;
use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor};
use modnas::construct::{construct, CandidateSets, Slot};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::param_space::ArchDesc;
use modnas::{FunctionalSuperNet, RunMode};
use std::path::Path;
use std::sync::Arc;

const WIDTH: usize = 16;
const DEPTH: usize = 2;
/// Candidates of a block's hidden layer: none, one linear layer, or two with 32 or 64 units
/// between.
const HIDDEN: [&str; 4] = ["IDT", "LIN", "MLP2", "MLP4"];
/// Candidates of a block's activation.
const ACTIVATIONS: [&str; 3] = ["RELU", "GELU", "SILU"];

/// A block: a searched hidden layer, then a searched activation.
#[derive(Module, Debug)]
struct Block {
    hidden: Slot,
    act: Slot,
}

/// The MLP DARTS searches: an input layer, [`DEPTH`] blocks, a linear output.
#[derive(Module, Debug)]
pub(crate) struct DartsMlp {
    input: Linear,
    blocks: Vec<Block>,
    output: Linear,
}

impl DartsMlp {
    fn new(device: &Device) -> Self {
        Self {
            input: LinearConfig::new(FEATURES, WIDTH).init(device),
            blocks: (0..DEPTH)
                .map(|_| Block {
                    hidden: Slot::dense(WIDTH, WIDTH),
                    act: Slot::dense(WIDTH, WIDTH),
                })
                .collect(),
            output: LinearConfig::new(WIDTH, 1).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.blocks.iter().fold(self.input.forward(x), |h, b| {
            b.act.forward_dense(b.hidden.forward_dense(h))
        });
        self.output.forward(h)
    }
}

/// Each block's candidates; with `mixed`, every slot a mixed operator over them.
fn sets(mixed: Option<&str>) -> CandidateSets {
    let mut sets = CandidateSets {
        mixed_op: mixed.map(str::to_string),
        ..CandidateSets::default()
    };
    for i in 0..DEPTH {
        let names = |c: &[&str]| c.iter().map(|n| n.to_string()).collect();
        sets.slots
            .insert(format!("blocks.{i}.hidden"), names(&HIDDEN));
        sets.slots
            .insert(format!("blocks.{i}.act"), names(&ACTIVATIONS));
    }
    sets
}

/// What a DARTS search found: the derived architecture, the supernet's validation RMSE at its
/// first and last epoch, and the RMSE of the derived MLP and of the plain one, each trained
/// from scratch.
pub(crate) struct DartsResult {
    pub(crate) arch: ArchDesc,
    pub(crate) supernet_rmse: (f64, f64),
    pub(crate) derived_rmse: f64,
    pub(crate) plain_rmse: f64,
}

/// Searches for `epochs` in `out`, then trains and scores the derived MLP.
pub(crate) fn search(epochs: usize, out: &Path, data: &Data) -> anyhow::Result<DartsResult> {
    let device = Device::default().autodiff();
    device.seed(0);
    let supernet = construct(DartsMlp::new(&device), &sets(Some("DARTSMixedOp")), &device)?;
    // DARTS's split: half the training patients fit the weights, the other half α.
    let scale = mean_std(&data.train_y);
    let half = data.train_y.len() / 2;
    let loader = |x: &[f32], y: &[f32], seed| -> Arc<dyn DataLoader<PatientBatch>> {
        DataLoaderBuilder::new(PatientBatcher)
            .batch_size(32)
            .shuffle(seed)
            .set_device(device.clone())
            .build(patients(x, y, scale))
    };
    let weights = loader(&data.train_x[..half * FEATURES], &data.train_y[..half], 1);
    let alphas = loader(&data.train_x[half * FEATURES..], &data.train_y[half..], 2);
    let mse = |net: &DartsMlp, b: &PatientBatch| {
        let pred = net.forward(b.inputs.clone());
        Ok(MseLoss::new().forward(pred, b.targets.clone(), Reduction::Mean))
    };
    let evaluate = |net: &DartsMlp| -> Result<MetricMap, EstimError> {
        Ok(MetricMap::from([(
            "rmse".to_string(),
            rmse(|x| net.forward(x), data)?,
        )]))
    };
    // DARTS's α learning rate, 3·10⁻⁴, is set for 50 epochs of 25 000 CIFAR-10 images; this
    // search takes a few hundred α steps in all.
    let mut args = toml::Table::new();
    args.insert("lr".into(), 0.03.into());
    let run = FunctionalSuperNet::new("DARTSOptim", args)
        .epochs(epochs)
        .objective("rmse", false)
        .weight_optimizer(AdamConfig::new().init(), 3e-3, 0.0)
        .run(
            out,
            RunMode::Overwrite,
            supernet,
            (&weights, &alphas),
            mse,
            evaluate,
        )?;
    let journal = modnas::run::read_journal(out)?;
    let supernet_rmse = (
        journal[0].metrics["rmse"],
        journal[journal.len() - 1].metrics["rmse"],
    );
    // The derived architecture, trained from scratch as each regularized-evolution trial is,
    // and the plain MLP of the same width.
    let plain: ArchDesc = (0..DEPTH)
        .flat_map(|i| {
            [
                (format!("blocks.{i}.hidden"), "LIN"),
                (format!("blocks.{i}.act"), "RELU"),
            ]
        })
        .collect();
    Ok(DartsResult {
        supernet_rmse,
        derived_rmse: train_from_scratch(&run.arch, data, &device)?,
        plain_rmse: train_from_scratch(&plain, data, &device)?,
        arch: run.arch,
    })
}

/// The validation RMSE of the MLP of `arch`, trained from scratch by the example's loop.
fn train_from_scratch(arch: &ArchDesc, data: &Data, device: &Device) -> anyhow::Result<f64> {
    device.seed(0);
    let mut c = construct(DartsMlp::new(device), &sets(None), device)?;
    c.apply(arch)?;
    let (model, _) = fit(c.model, DartsMlp::forward, data, device);
    let valid = model.valid();
    Ok(rmse(|x| valid.forward(x), data)?)
}
