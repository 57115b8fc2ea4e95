//! `FunctionalSearch`: a user's own model and training, called by modnas for each trial — the
//! journal, failed trials and resume work as in a config search.

use crate::common::serial;
use burn::module::Module;
use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use modnas::construct::{construct, CandidateSets, Slot};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::param_space::{ArchDesc, Categorical, ParamSpace};
use modnas::run::{read_journal, CONFIG_FILE};
use modnas::{Config, FunctionalSearch, RunMode};

/// A user's regression MLP: a value-chosen hidden width, a searched activation slot.
#[derive(Module, Debug)]
struct Mlp {
    input: Linear,
    act: Slot,
    output: Linear,
}

impl Mlp {
    fn new(width: usize, device: &Device) -> Self {
        Self {
            input: LinearConfig::new(3, width).init(device),
            act: Slot::dense(width, width),
            output: LinearConfig::new(width, 1).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.output
            .forward(self.act.forward_dense(self.input.forward(x)))
    }
}

fn sets() -> CandidateSets {
    CandidateSets::uniform(["RELU", "GELU", "IDT"])
}

/// The search space: the slot's activation and a width the model reads when it is built.
fn space(device: &Device) -> ParamSpace {
    let mut space = construct(Mlp::new(4, device), &sets(), device)
        .unwrap()
        .space;
    space
        .insert("width", Categorical::new([4i64, 8, 16]).unwrap())
        .unwrap();
    space
}

/// Trains the architecture's MLP for 20 Adam steps on y = x0 − 2·x1 + x2² and returns its
/// RMSE on the same 32 rows.
fn train(arch: &ArchDesc) -> Result<MetricMap, EstimError> {
    let device = Device::default().autodiff();
    device.seed(0);
    let width = arch.get("width").and_then(|v| v.as_i64()).unwrap_or(4) as usize;
    let mut c = construct(Mlp::new(width, &device), &sets(), &device)?;
    c.apply_known(arch)?;
    let rows: Vec<[f32; 3]> = (0..32)
        .map(|i| {
            [
                (i % 5) as f32 / 5.0,
                (i % 7) as f32 / 7.0,
                (i % 3) as f32 / 3.0,
            ]
        })
        .collect();
    let targets: Vec<f32> = rows
        .iter()
        .map(|r| r[0] - 2.0 * r[1] + r[2] * r[2])
        .collect();
    let x = Tensor::<2>::from_data(TensorData::new(rows.concat(), [32, 3]), &device);
    let y = Tensor::<2>::from_data(TensorData::new(targets, [32, 1]), &device);
    let mut model = c.model;
    let mut optim = AdamConfig::new().init();
    for _ in 0..20 {
        let loss = MseLoss::new().forward(model.forward(x.clone()), y.clone(), Reduction::Mean);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.05, model, grads);
    }
    let valid = model.valid();
    let pred = valid.forward(x.clone().inner());
    let mse = MseLoss::new().forward(pred, y.inner(), Reduction::Mean);
    let rmse = f64::from(mse.into_scalar::<f32>()).sqrt();
    Ok(MetricMap::from([("rmse".to_string(), rmse)]))
}

#[test]
fn a_users_own_training_is_searched_and_its_metrics_reach_the_journal() {
    let _serial = serial();
    let device = Device::default();
    let tmp = tempfile::tempdir().unwrap();
    let run = FunctionalSearch::new(space(&device))
        .optimizer("GridSearchOptim", toml::Table::new())
        .trials(9)
        .objective("rmse", false)
        .run(tmp.path(), RunMode::New, |arch, _| train(arch))
        .unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (9, 0));
    let journal = read_journal(tmp.path()).unwrap();
    assert_eq!(journal.len(), 9, "the whole grid");
    let best = run.outcome.best.unwrap();
    let lowest = journal
        .iter()
        .map(|t| t.metrics["rmse"])
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.metrics["rmse"], lowest);
    assert!(tmp.path().join("best.toml").exists());
    // The run reads as any other: its config names the objective and the budget.
    let cfg = Config::from_file(tmp.path().join(CONFIG_FILE), &[]).unwrap();
    assert_eq!(cfg.objective(), ("rmse".to_string(), false));
    assert_eq!(cfg.search_budget().1, Some(9));
}

#[test]
fn failed_trials_are_recorded_and_an_interrupted_run_resumes() {
    let _serial = serial();
    let space = || {
        let mut space = ParamSpace::new();
        space
            .insert("x", Categorical::new([0i64, 1, 2, 3, 4, 5]).unwrap())
            .unwrap();
        space
    };
    let search = || {
        FunctionalSearch::new(space())
            .optimizer("GridSearchOptim", toml::Table::new())
            .trials(6)
            .objective("score", true)
    };
    let score = |arch: &ArchDesc| -> Result<MetricMap, EstimError> {
        match arch.get("x").and_then(|v| v.as_i64()).unwrap() {
            1 => Err(EstimError::TrialFailed("this width does not fit".into())),
            2 => Ok(MetricMap::from([("score".to_string(), f64::NAN)])),
            3 => panic!("user code panicked"),
            x => Ok(MetricMap::from([("score".to_string(), x as f64)])),
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    // The run stops at trial 4 with an error of the run, not of the architecture.
    let stopped = search().run(tmp.path(), RunMode::New, |arch, index| {
        if index == 4 {
            return Err(EstimError::Record("disk full".into()));
        }
        score(arch)
    });
    assert!(stopped.unwrap_err().to_string().contains("disk full"));
    let journal = read_journal(tmp.path()).unwrap();
    assert_eq!(journal.len(), 4);
    let errors: Vec<bool> = journal.iter().map(|t| t.error.is_some()).collect();
    assert_eq!(
        errors,
        [false, true, true, true],
        "three failures, recorded"
    );
    assert!(journal[3].error.as_ref().unwrap().contains("panicked"));

    let mut evaluated = vec![];
    let run = search()
        .run(tmp.path(), RunMode::Resume, |arch, index| {
            evaluated.push(index);
            score(arch)
        })
        .unwrap();
    assert_eq!(
        evaluated,
        [4, 5],
        "recorded trials are replayed, not evaluated"
    );
    assert_eq!((run.outcome.trials, run.outcome.failed), (6, 3));
    assert_eq!(run.outcome.best.unwrap().metrics["score"], 5.0);
    // Another budget is another run: resuming with it is refused.
    let other = FunctionalSearch::new(space()).trials(3);
    let e = other
        .run(tmp.path(), RunMode::Resume, |arch, _| score(arch))
        .unwrap_err();
    assert!(e.is_input_error(), "{e}");
}
