//! Progressive shrinking of a task's own elastic model: a regression MLP whose hidden width is
//! an `ElasticLinear` (ratio 4, 2 or 1), trained stage by stage with the task's optimizer,
//! its units reordered by importance through `Task::reorder_channels` as each later stage
//! starts, and its widths searched with inherited weights, from TOML.

use crate::common::serial;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor, TensorData};
use modnas::construct::{ChannelOrder, ElasticHandle, ElasticLinear};
use modnas::core::MetricMap;
use modnas::estim::{register_task, Batches, EstimError, RegressionScores, Task, TaskData};
use modnas::run::read_journal;
use modnas::{run_search, Config, RunMode};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Module, Debug)]
struct ElasticMlp {
    input: Linear,
    up: ElasticLinear,
    act: Relu,
    down: ElasticLinear,
    out: Linear,
}

impl ElasticMlp {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.act.forward(self.up.forward(self.input.forward(x)));
        self.out.forward(self.down.forward(h))
    }
}

#[derive(Clone, Debug)]
struct Rows {
    x: Tensor<2>,
    y: Tensor<2>,
}

/// How often progressive shrinking asked for a reorder, across runs of this test binary.
static REORDERS: AtomicUsize = AtomicUsize::new(0);

/// `y = sin(3·x0) + x1·x2` over 128 rows.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ElasticRegression {
    rows: usize,
}

impl ElasticRegression {
    fn batches(&self, seed: u64, device: &Device) -> Vec<Rows> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..self.rows.div_ceil(32))
            .map(|_| {
                let x: Vec<f32> = (0..32 * 3).map(|_| rng.random_range(-1.0..1.0)).collect();
                let y: Vec<f32> = x
                    .chunks(3)
                    .map(|r| (3.0 * r[0]).sin() + r[1] * r[2])
                    .collect();
                Rows {
                    x: Tensor::from_data(TensorData::new(x, [32, 3]), device),
                    y: Tensor::from_data(TensorData::new(y, [32, 1]), device),
                }
            })
            .collect()
    }
}

impl Task for ElasticRegression {
    type Model = ElasticMlp;
    type Batch = Rows;

    fn model(&self, device: &Device) -> Result<ElasticMlp, EstimError> {
        let ratio = ElasticHandle::new("hidden.ratio", &[4, 2, 1]).unwrap();
        Ok(ElasticMlp {
            input: LinearConfig::new(3, 8).init(device),
            up: ElasticLinear::new(8, 8, ratio, device).unwrap(),
            act: Relu::new(),
            down: ElasticLinear::fixed(32, 16, device),
            out: LinearConfig::new(16, 1).init(device),
        })
    }

    fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Rows>, EstimError> {
        Ok(TaskData::new(
            self.batches(1, device),
            self.batches(2, device),
        ))
    }

    fn loss(&self, m: &ElasticMlp, b: &Rows) -> Result<Tensor<1>, EstimError> {
        let d = m.forward(b.x.clone()) - b.y.clone();
        Ok((d.clone() * d).mean())
    }

    fn evaluate(&self, m: &ElasticMlp, valid: &dyn Batches<Rows>) -> Result<MetricMap, EstimError> {
        let mut scores = RegressionScores::default();
        for b in valid.epoch() {
            let b = b?;
            scores.add(m.forward(b.x), b.y);
        }
        Ok(scores.finish())
    }

    fn optimizer(&self) -> (burn::optim::ModuleOptimizer, f64) {
        (burn::optim::AdamConfig::new().init(), 1e-2)
    }

    fn reorder_channels(&self, m: &mut ElasticMlp, _by: ChannelOrder) {
        m.up.reorder_by_next(&mut m.down);
        REORDERS.fetch_add(1, Ordering::Relaxed);
    }
}

register_task!(
    /// a regression task of the tests
    "ElasticRegression", ElasticRegression
);

#[test]
fn progressive_shrinking_trains_and_searches_a_tasks_elastic_widths() {
    let _serial = serial();
    let toml = r#"
seed = 2
[task]
type = "ElasticRegression"
args = { rows = 128 }
[optim]
type = "GridSearchOptim"
[estim.search]
type = "ProgressiveShrinkingEstim"
args = { epochs = 30, stage_epochs = 15, phases = ["ratio"], trials = 3, recal_batches = 0, objective = "mse", mode = "min" }
"#;
    let cfg = Config::from_toml(toml, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let before = REORDERS.load(Ordering::Relaxed);
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (3, 0));
    // Stages: ratio {4}, {4, 2}, {4, 2, 1}: a reorder as each of the last two starts.
    assert_eq!(REORDERS.load(Ordering::Relaxed) - before, 2);
    let journal = read_journal(dir.path()).unwrap();
    let mse: Vec<(String, f64)> = journal
        .iter()
        .map(|t| (t.arch.summary(), t.metrics["mse"]))
        .collect();
    assert_eq!(mse.len(), 3, "every width evaluated: {mse:?}");
    // The target's variance is about 0.55; every width inherits trained weights.
    for (arch, m) in &mse {
        assert!(*m < 0.15, "{arch}: MSE {m} in {mse:?}");
    }
}

/// A sequence model of the user's own: an embedding, one elastic encoder layer (heads 4, 2 or
/// 1; feed-forward ratio 2 or 1), a mean over the steps and a linear head.
#[derive(Module, Debug)]
struct ElasticEncoder {
    embed: Linear,
    layer: modnas::construct::ElasticEncoderLayer,
    head: Linear,
}

impl ElasticEncoder {
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let h = self.layer.forward(self.embed.forward(x), None);
        self.head.forward(h.mean_dim(1).squeeze_dim::<2>(1))
    }
}

#[derive(Clone, Debug)]
struct Seqs {
    x: Tensor<3>,
    y: Tensor<2>,
}

/// `y` = 4 × the mean of the first feature over the steps of a 6-step, 2-feature sequence
/// (variance 16 · (1/3) / 6 ≈ 0.89), plus the last step's second feature squared.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ElasticSequenceTask {
    batches: usize,
}

impl Task for ElasticSequenceTask {
    type Model = ElasticEncoder;
    type Batch = Seqs;

    fn model(&self, device: &Device) -> Result<ElasticEncoder, EstimError> {
        let heads = ElasticHandle::new("enc.heads", &[4, 2, 1]).unwrap();
        let ffn = ElasticHandle::new("enc.ffn", &[2, 1]).unwrap();
        Ok(ElasticEncoder {
            embed: LinearConfig::new(2, 16).init(device),
            layer: modnas::construct::ElasticEncoderLayer::new(16, heads, ffn, device)?,
            head: LinearConfig::new(16, 1).init(device),
        })
    }

    fn data(&self, device: &Device, _seed: u64) -> Result<TaskData<Seqs>, EstimError> {
        let make = |seed: u64| -> Vec<Seqs> {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..self.batches)
                .map(|_| {
                    let x: Vec<f32> = (0..32 * 6 * 2)
                        .map(|_| rng.random_range(-1.0..1.0))
                        .collect();
                    let y: Vec<f32> = x
                        .chunks(12)
                        .map(|s| 4.0 * s.iter().step_by(2).sum::<f32>() / 6.0 + s[11] * s[11])
                        .collect();
                    Seqs {
                        x: Tensor::from_data(TensorData::new(x, [32, 6, 2]), device),
                        y: Tensor::from_data(TensorData::new(y, [32, 1]), device),
                    }
                })
                .collect()
        };
        Ok(TaskData::new(make(1), make(2)))
    }

    fn loss(&self, m: &ElasticEncoder, b: &Seqs) -> Result<Tensor<1>, EstimError> {
        let d = m.forward(b.x.clone()) - b.y.clone();
        Ok((d.clone() * d).mean())
    }

    fn evaluate(
        &self,
        m: &ElasticEncoder,
        valid: &dyn Batches<Seqs>,
    ) -> Result<MetricMap, EstimError> {
        let mut scores = RegressionScores::default();
        for b in valid.epoch() {
            let b = b?;
            scores.add(m.forward(b.x), b.y);
        }
        Ok(scores.finish())
    }

    fn optimizer(&self) -> (burn::optim::ModuleOptimizer, f64) {
        (burn::optim::AdamConfig::new().init(), 3e-3)
    }
}

register_task!(
    /// a regression task of the tests
    "ElasticSequenceTask", ElasticSequenceTask
);

#[test]
fn progressive_shrinking_searches_the_heads_and_width_of_an_elastic_encoder() {
    let _serial = serial();
    let toml = r#"
seed = 4
[task]
type = "ElasticSequenceTask"
args = { batches = 4 }
[optim]
type = "GridSearchOptim"
[estim.search]
type = "ProgressiveShrinkingEstim"
args = { epochs = 60, stage_epochs = 20, phases = ["heads", "ffn"], trials = 6, recal_batches = 0, objective = "mse", mode = "min" }
"#;
    let cfg = Config::from_toml(toml, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (6, 0));
    let journal = read_journal(dir.path()).unwrap();
    let scored: Vec<(String, f64)> = journal
        .iter()
        .map(|t| (t.arch.summary(), t.metrics["mse"]))
        .collect();
    let distinct: std::collections::HashSet<&String> = scored.iter().map(|(a, _)| a).collect();
    assert_eq!(distinct.len(), 6, "every (heads, ffn) pair: {scored:?}");
    // The target varies by about 0.98 (0.89 from the mean, 4/45 from the square): every
    // sub-network, with the inherited weights, explains most of it.
    for (arch, mse) in &scored {
        assert!(*mse < 0.3, "{arch}: MSE {mse} in {scored:?}");
    }
}
