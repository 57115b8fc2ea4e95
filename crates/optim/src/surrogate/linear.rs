//! `linear`: ridge regression solved in closed form (Cholesky of XᵀX + λI).

use super::Surrogate;
use crate::OptimError;
use nalgebra::{DMatrix, DVector};

/// Ridge regression with an intercept.
pub struct LinearSurrogate {
    /// L2 penalty.
    pub lambda: f64,
    weights: Vec<f64>,
    intercept: f64,
}

impl Default for LinearSurrogate {
    fn default() -> Self {
        Self {
            lambda: 1e-3,
            weights: vec![],
            intercept: 0.0,
        }
    }
}

impl Surrogate for LinearSurrogate {
    fn fit(&mut self, x: &[Vec<f64>], y: &[f64]) -> Result<(), OptimError> {
        let (n, d) = (x.len(), x.first().map_or(0, Vec::len));
        if n == 0 {
            return Ok(());
        }
        let mean_y = y.iter().sum::<f64>() / n as f64;
        let mean_x: Vec<f64> = (0..d)
            .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n as f64)
            .collect();
        let xm = DMatrix::from_fn(n, d, |i, j| x[i][j] - mean_x[j]);
        let yv = DVector::from_fn(n, |i, _| y[i] - mean_y);
        let gram = xm.transpose() * &xm + DMatrix::identity(d, d) * self.lambda;
        let w = gram
            .cholesky()
            .ok_or_else(|| OptimError::Surrogate("ridge system is not positive definite".into()))?
            .solve(&(xm.transpose() * yv));
        self.weights = w.iter().copied().collect();
        self.intercept = mean_y
            - self
                .weights
                .iter()
                .zip(&mean_x)
                .map(|(w, m)| w * m)
                .sum::<f64>();
        Ok(())
    }

    fn predict(&self, x: &[Vec<f64>]) -> Vec<f64> {
        x.iter()
            .map(|r| self.intercept + r.iter().zip(&self.weights).map(|(a, w)| a * w).sum::<f64>())
            .collect()
    }
}
