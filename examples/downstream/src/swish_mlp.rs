//! A tabular model of the user's own: an MLP whose activation is a dense slot, with a dense
//! candidate of the user's own (`UserSwish`), a width the search chooses as a value, and the
//! user's own training loop driven by `FunctionalSearch`.

use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::sigmoid;
use burn::tensor::TensorData;
use modnas::estim::EstimError;
use modnas::param_space::{Categorical, ParamSpace};
use modnas::core::MetricMap;
use modnas::prelude::*;

/// `x · sigmoid(x)`, on any carrier.
#[derive(Module, Debug)]
pub struct UserSwish;

impl NasModule for UserSwish {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        x.clone() * sigmoid(x)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}

fn swish(spec: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    if spec.c_in != spec.c_out {
        return Err(ConstructError::InvalidSpec(format!(
            "UserSwish keeps the shape, got {} → {}",
            spec.c_in, spec.c_out
        )));
    }
    Ok(CandidateBox::new("UserSwish", UserSwish))
}
register_candidate!(
    /// x·sigmoid(x), for dense and sequence slots of equal width
    "UserSwish", swish
);
candidate_serves!("UserSwish", [Dense, Sequence]);

/// Three inputs, a hidden layer, a searched activation, one output.
#[derive(Module, Debug)]
pub struct SwishMlp {
    hidden: Linear,
    act: Slot,
    output: Linear,
}

impl SwishMlp {
    /// A net `3 → width → 1`.
    pub fn new(width: usize, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(3, width).init(device),
            act: Slot::dense(width, width),
            output: LinearConfig::new(width, 1).init(device),
        }
    }

    /// The prediction for `[batch, 3]` rows.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.output
            .forward(self.act.forward_dense(self.hidden.forward(x)))
    }
}

/// The activations searched.
pub fn activations() -> CandidateSets {
    CandidateSets::uniform(["RELU", "UserSwish"])
}

/// The space: the slot's activation and the hidden width.
pub fn space(device: &Device) -> Result<ParamSpace, EstimError> {
    let mut space = construct(SwishMlp::new(4, device), &activations(), device)?.space;
    space.insert("width", Categorical::new([4i64, 8])?)?;
    Ok(space)
}

/// Trains the architecture's net for 30 Adam steps on y = x0 − x1·x2 and returns its RMSE.
pub fn train(arch: &ArchDesc) -> Result<MetricMap, EstimError> {
    let device = Device::default().autodiff();
    device.seed(0);
    let width = arch.get("width").and_then(|v| v.as_i64()).unwrap_or(4) as usize;
    let mut c = construct(SwishMlp::new(width, &device), &activations(), &device)?;
    c.apply_known(arch)?;
    let rows: Vec<f32> = (0..48)
        .flat_map(|i| {
            [
                (i % 4) as f32 / 4.0,
                (i % 5) as f32 / 5.0,
                (i % 3) as f32 / 3.0,
            ]
        })
        .collect();
    let targets: Vec<f32> = rows.chunks(3).map(|r| r[0] - r[1] * r[2]).collect();
    let x = Tensor::<2>::from_data(TensorData::new(rows, [48, 3]), &device);
    let y = Tensor::<2>::from_data(TensorData::new(targets, [48, 1]), &device);
    let mut model = c.model;
    let mut optim = AdamConfig::new().init();
    let mut mse = f64::NAN;
    for _ in 0..30 {
        let loss = MseLoss::new().forward(model.forward(x.clone()), y.clone(), Reduction::Mean);
        mse = f64::from(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.05, model, grads);
    }
    Ok(MetricMap::from([("rmse".to_string(), mse.sqrt())]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use modnas::{FunctionalSearch, RunMode};

    #[test]
    fn a_user_dense_candidate_is_searched_by_the_users_own_loop() {
        let device = Device::default();
        let tmp = tempfile::tempdir().unwrap();
        let run = FunctionalSearch::new(space(&device).unwrap())
            .optimizer("GridSearchOptim", modnas::toml::Table::new())
            .trials(4)
            .objective("rmse", false)
            .run(tmp.path(), RunMode::New, |arch, _| train(arch))
            .unwrap();
        assert_eq!((run.outcome.trials, run.outcome.failed), (4, 0));
        let journal = modnas::run::read_journal(tmp.path()).unwrap();
        let acts: Vec<String> = journal
            .iter()
            .map(|t| t.arch.get("act").unwrap().to_string())
            .collect();
        assert!(acts.iter().any(|a| a.contains("UserSwish")), "{acts:?}");
    }

    #[test]
    fn the_user_candidate_is_refused_for_an_image_slot_by_name() {
        let device = Device::default();
        let e = construct(
            Slot::new(2, 2, 1),
            &CandidateSets::uniform(["UserSwish"]),
            &device,
        )
        .err()
        .unwrap();
        let msg = e.to_string();
        assert!(
            msg.contains("UserSwish") && msg.contains("[dense, sequence]"),
            "{msg}"
        );
    }
}
