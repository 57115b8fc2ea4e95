//! The forecasting task: the next month's passengers from the `window` months before, on the
//! log scale, standardised with the training months' statistics. Months are split in time:
//! the first 108 are for training, the next 18 for validation (the search's objective), the
//! last 18 for the test.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use modnas::core::MetricMap;
use modnas::estim::{register_task, Batches, EstimError, Task, TaskData};
use modnas::prelude::Slot;

const CSV: &str = include_str!("../data/airline.csv");
/// Months for training targets end here; validation targets run to [`VALID_END`].
pub(crate) const TRAIN_END: usize = 108;
pub(crate) const VALID_END: usize = 126;

/// The monthly passenger counts (thousands), January 1949 to December 1960.
pub(crate) fn passengers() -> Result<Vec<f32>, EstimError> {
    CSV.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(1)
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| EstimError::BadData {
                    path: "airline.csv".into(),
                    reason: format!("not `month,count`: {l}"),
                })
        })
        .collect()
}

/// The forecaster: a linear embedding of each month, two sequence slots, the last month's
/// features to a change of the (scaled) level.
#[derive(Module, Debug)]
pub struct Forecaster {
    embed: Linear,
    layers: Vec<Slot>,
    head: Linear,
}

impl Forecaster {
    /// The scaled forecast `[batch, 1]` of windows `[batch, window, 1]`: the last month plus
    /// the predicted change.
    pub(crate) fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let [n, w, _] = x.dims();
        let last = x.clone().slice([0..n, w - 1..w, 0..1]).reshape([n, 1]);
        let h = self
            .layers
            .iter()
            .fold(self.embed.forward(x), |h, l| h.clone() + l.forward_seq(h));
        let d = h.dims()[2];
        last + self
            .head
            .forward(h.slice([0..n, w - 1..w, 0..d]).reshape([n, d]))
    }
}

/// Windows `[batch, window, 1]` and the months after them `[batch, 1]`, scaled.
#[derive(Clone, Debug)]
pub struct Months {
    pub(crate) x: Tensor<3>,
    pub(crate) y: Tensor<2>,
}

/// The task's arguments.
#[derive(serde::Deserialize, modnas::schemars::JsonSchema)]
#[schemars(crate = "modnas::schemars")]
#[serde(deny_unknown_fields)]
pub struct AirlineTask {
    /// Months each forecast reads.
    pub window: usize,
    /// Width of the embedding and the sequence layers.
    pub dim: usize,
}

/// `(log count − mean) / std` with the training months' statistics, and those statistics.
pub(crate) fn scaled() -> Result<(Vec<f32>, f32, f32), EstimError> {
    let logs: Vec<f32> = passengers()?.iter().map(|p| p.ln()).collect();
    let train = &logs[..TRAIN_END];
    let mean = train.iter().sum::<f32>() / train.len() as f32;
    let std = (train.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / train.len() as f32).sqrt();
    Ok((logs.iter().map(|v| (v - mean) / std).collect(), mean, std))
}

impl AirlineTask {
    /// The windows whose target months are `targets`, in batches of 16.
    pub(crate) fn months(
        &self,
        targets: std::ops::Range<usize>,
        device: &Device,
    ) -> Result<Vec<Months>, EstimError> {
        let (series, _, _) = scaled()?;
        let ts: Vec<usize> = targets.filter(|t| *t >= self.window).collect();
        Ok(ts
            .chunks(16)
            .map(|chunk| {
                let x: Vec<f32> = chunk
                    .iter()
                    .flat_map(|t| series[t - self.window..*t].to_vec())
                    .collect();
                let y: Vec<f32> = chunk.iter().map(|t| series[*t]).collect();
                Months {
                    x: Tensor::from_data(TensorData::new(x, [chunk.len(), self.window, 1]), device),
                    y: Tensor::from_data(TensorData::new(y, [chunk.len(), 1]), device),
                }
            })
            .collect())
    }
}

/// The root mean square error of `net` on `batches`, in thousands of passengers.
pub(crate) fn rmse(net: &Forecaster, batches: &dyn Batches<Months>) -> Result<f64, EstimError> {
    let (_, mean, std) = scaled()?;
    let count = |t: Tensor<2>| t.mul_scalar(std).add_scalar(mean).exp();
    let (mut sum, mut n) = (0.0, 0);
    for b in batches.epoch() {
        let b = b?;
        let d = count(net.forward(b.x)) - count(b.y.clone());
        sum += (d.clone() * d).sum().into_scalar::<f64>();
        n += b.y.dims()[0];
    }
    Ok((sum / n as f64).sqrt())
}

impl Task for AirlineTask {
    type Model = Forecaster;
    type Batch = Months;

    fn model(&self, device: &Device) -> Result<Forecaster, EstimError> {
        Ok(Forecaster {
            embed: LinearConfig::new(1, self.dim).init(device),
            layers: (0..2).map(|_| Slot::sequence(self.dim)).collect(),
            head: LinearConfig::new(self.dim, 1).init(device),
        })
    }

    fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Months>, EstimError> {
        let train = self.months(0..TRAIN_END, device)?;
        Ok(TaskData::new(
            train,
            self.months(TRAIN_END..VALID_END, device)?,
        ))
    }

    fn loss(&self, net: &Forecaster, b: &Months) -> Result<Tensor<1>, EstimError> {
        let d = net.forward(b.x.clone()) - b.y.clone();
        Ok((d.clone() * d).mean())
    }

    fn evaluate(
        &self,
        net: &Forecaster,
        valid: &dyn Batches<Months>,
    ) -> Result<MetricMap, EstimError> {
        Ok(MetricMap::from([("rmse".to_string(), rmse(net, valid)?)]))
    }

    fn optimizer(&self) -> (burn::optim::ModuleOptimizer, f64) {
        (burn::optim::AdamConfig::new().init(), 3e-3)
    }
}

register_task!(
    /// the next month of the airline passengers series from the months before
    /// (examples/airline_forecast)
    "AirlineTask", AirlineTask
);
