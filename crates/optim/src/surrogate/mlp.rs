//! `mlp`: a two-layer perceptron (Burn, CPU), trained full-batch with Adam on standardised
//! targets.

use super::Surrogate;
use crate::OptimError;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    out: Linear,
}

impl Mlp {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.hidden.forward(x)))
    }
}

/// A small MLP regressor.
pub struct MlpSurrogate {
    /// Hidden units. Default 32.
    pub hidden: usize,
    /// Full-batch Adam steps per fit. Default 300.
    pub steps: usize,
    seed: u64,
    model: Option<(Mlp, f64, f64)>,
}

impl MlpSurrogate {
    /// An MLP whose weights are seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            hidden: 32,
            steps: 300,
            seed,
            model: None,
        }
    }
}

fn rows(x: &[Vec<f64>], device: &Device) -> Tensor<2> {
    let d = x.first().map_or(0, Vec::len);
    let flat: Vec<f32> = x.iter().flatten().map(|v| *v as f32).collect();
    Tensor::from_data(TensorData::new(flat, [x.len(), d]), device)
}

impl Surrogate for MlpSurrogate {
    fn fit(&mut self, x: &[Vec<f64>], y: &[f64]) -> Result<(), OptimError> {
        let n = y.len();
        if n == 0 {
            return Ok(());
        }
        let mean = y.iter().sum::<f64>() / n as f64;
        let std = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64)
            .sqrt()
            .max(1e-9);
        let device = Device::default().autodiff();
        device.seed(self.seed);
        let d = x[0].len();
        let mut mlp = Mlp {
            hidden: LinearConfig::new(d, self.hidden).init(&device),
            out: LinearConfig::new(self.hidden, 1).init(&device),
        };
        let inputs = rows(x, &device);
        let targets: Vec<f32> = y.iter().map(|v| ((v - mean) / std) as f32).collect();
        let targets = Tensor::<2>::from_data(TensorData::new(targets, [n, 1]), &device);
        let mut optim = AdamConfig::new().init();
        for _ in 0..self.steps {
            let loss = (mlp.forward(inputs.clone()) - targets.clone())
                .powi_scalar(2)
                .mean();
            let grads = GradientsParams::from_grads(loss.backward(), &mlp);
            mlp = optim.step(1e-2, mlp, grads);
        }
        self.model = Some((mlp.valid(), mean, std));
        Ok(())
    }

    fn predict(&self, x: &[Vec<f64>]) -> Vec<f64> {
        match &self.model {
            Some((mlp, mean, std)) if !x.is_empty() => {
                let device = Device::default();
                let out = mlp.forward(rows(x, &device)).into_data();
                out.iter::<f32>().map(|v| v as f64 * std + mean).collect()
            }
            _ => vec![0.0; x.len()],
        }
    }
}
