//! Ready-made scores for a task's `evaluate`, summed batch by batch: [`RegressionScores`]
//! (`mse`, `rmse`, `mae`, `r2`) and [`ClassificationScores`] (`acc`, `loss`: mean
//! cross-entropy). Each batch adds a few scalars; the scores are exact over all the rows,
//! whatever the batch sizes.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_estim::RegressionScores;
//!
//! let device = Device::default();
//! let mut scores = RegressionScores::default();
//! let target = Tensor::<2>::from_floats([[1.0], [2.0], [3.0]], &device);
//! scores.add(target.clone() + 0.5, target);
//! let m = scores.finish();
//! assert!((m["mae"] - 0.5).abs() < 1e-6 && (m["r2"] - 0.625).abs() < 1e-6);
//! ```

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};
use modnas_core::MetricMap;

/// Regression scores over every target value of the batches added.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RegressionScores {
    n: f64,
    squared: f64,
    absolute: f64,
    sum: f64,
    sum_sq: f64,
}

impl RegressionScores {
    /// Adds a batch of predictions and targets of one shape.
    pub fn add<const D: usize>(&mut self, prediction: Tensor<D>, target: Tensor<D>) {
        let n = target.shape().num_elements() as f64;
        let error = prediction - target.clone();
        self.n += n;
        self.squared += (error.clone() * error.clone()).sum().into_scalar::<f64>();
        self.absolute += error.abs().sum().into_scalar::<f64>();
        self.sum += target.clone().sum().into_scalar::<f64>();
        self.sum_sq += (target.clone() * target).sum().into_scalar::<f64>();
    }

    /// `mse`, `rmse`, `mae` and `r2` (1 − residual / total sum of squares; NaN when the
    /// targets do not vary), NaN everywhere when nothing was added.
    pub fn finish(&self) -> MetricMap {
        let n = self.n;
        let mse = self.squared / n;
        let total = self.sum_sq - self.sum * self.sum / n;
        let r2 = if total > 0.0 {
            1.0 - self.squared / total
        } else {
            f64::NAN
        };
        MetricMap::from([
            ("mse".to_string(), mse),
            ("rmse".to_string(), mse.sqrt()),
            ("mae".to_string(), self.absolute / n),
            ("r2".to_string(), r2),
        ])
    }
}

/// Classification scores over every row of the batches added.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClassificationScores {
    n: f64,
    correct: f64,
    loss: f64,
}

impl ClassificationScores {
    /// Adds a batch of logits `[N, classes]` and class indices `[N]`.
    pub fn add(&mut self, logits: Tensor<2>, labels: Tensor<1, Int>) {
        let n = labels.dims()[0] as f64;
        let ce = CrossEntropyLossConfig::new().init(&logits.device());
        self.loss += ce
            .forward(logits.clone(), labels.clone())
            .into_scalar::<f64>()
            * n;
        let hits = logits.argmax(1).flatten::<1>(0, 1).equal(labels);
        self.correct += hits.int().sum().into_scalar::<f64>();
        self.n += n;
    }

    /// `acc` and `loss` (mean cross-entropy); NaN when nothing was added.
    pub fn finish(&self) -> MetricMap {
        MetricMap::from([
            ("acc".to_string(), self.correct / self.n),
            ("loss".to_string(), self.loss / self.n),
        ])
    }

    /// The rows added so far.
    pub fn rows(&self) -> usize {
        self.n as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn regression_scores_are_exact_over_uneven_batches() {
        let device = Device::default();
        let t =
            |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v.clone(), [v.len(), 1]), &device);
        let (pred, target) = ([1.0, 2.0, 2.0, 5.0, 4.0], [1.0, 3.0, 2.0, 4.0, 6.0]);
        let mut s = RegressionScores::default();
        s.add(t(pred[..2].to_vec()), t(target[..2].to_vec()));
        s.add(t(pred[2..].to_vec()), t(target[2..].to_vec()));
        let m = s.finish();
        // errors 0, -1, 0, 1, -2: squared 6, absolute 4; targets' mean 3.2, total SS 14.8.
        assert!((m["mse"] - 1.2).abs() < 1e-9, "{m:?}");
        assert!((m["mae"] - 0.8).abs() < 1e-9);
        assert!((m["rmse"] - 1.2f64.sqrt()).abs() < 1e-9);
        assert!((m["r2"] - (1.0 - 6.0 / 14.8)).abs() < 1e-6);
        let mut flat = RegressionScores::default();
        flat.add(t(vec![1.0, 2.0]), t(vec![2.0, 2.0]));
        assert!(flat.finish()["r2"].is_nan(), "constant targets have no R²");
    }

    #[test]
    fn classification_scores_count_hits_and_average_the_loss() {
        let device = Device::default();
        let logits = Tensor::<2>::from_floats([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]], &device);
        let labels = Tensor::<1, Int>::from_ints([0, 1, 1], &device);
        let mut s = ClassificationScores::default();
        s.add(
            logits.clone().slice([0..2, 0..2]),
            labels.clone().slice(0..2),
        );
        s.add(
            logits.clone().slice([2..3, 0..2]),
            labels.clone().slice(2..3),
        );
        let m = s.finish();
        assert!((m["acc"] - 2.0 / 3.0).abs() < 1e-9, "{m:?}");
        let whole = CrossEntropyLossConfig::new()
            .init(&device)
            .forward(logits, labels)
            .into_scalar::<f64>();
        assert!((m["loss"] - whole).abs() < 1e-6);
        assert_eq!(s.rows(), 3);
    }
}
