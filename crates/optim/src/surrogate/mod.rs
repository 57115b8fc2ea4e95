//! Surrogate models of a metric over encoded architectures, for model-based search:
//! `gbt` (gradient-boosted trees), `mlp` (a small neural network) and `linear` (ridge
//! regression).

mod gbt;
mod linear;
mod mlp;

pub use gbt::GbtSurrogate;
pub use linear::LinearSurrogate;
pub use mlp::MlpSurrogate;

use crate::OptimError;

/// A regression model from feature vectors to a score.
pub trait Surrogate: Send {
    /// Fits the model on rows `x` (all of one length) and targets `y`.
    fn fit(&mut self, x: &[Vec<f64>], y: &[f64]) -> Result<(), OptimError>;
    /// Predicts the score of each row.
    fn predict(&self, x: &[Vec<f64>]) -> Vec<f64>;
}

/// The surrogate names `model = ...` accepts.
pub const SURROGATES: [&str; 3] = ["gbt", "mlp", "linear"];

/// The surrogate called `name`, seeded with `seed`.
pub fn build_surrogate(name: &str, seed: u64) -> Result<Box<dyn Surrogate>, OptimError> {
    match name {
        "gbt" => Ok(Box::new(GbtSurrogate::default())),
        "mlp" => Ok(Box::new(MlpSurrogate::new(seed))),
        "linear" => Ok(Box::new(LinearSurrogate::default())),
        other => Err(OptimError::InvalidArgs {
            optim: "ModelBasedOptim".into(),
            reason: format!(
                "unknown surrogate `{other}`; known: [{}]",
                SURROGATES.join(", ")
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 2·x0 − x1 + 0.5 on a grid.
    fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut x = vec![];
        let mut y = vec![];
        for i in 0..8 {
            for j in 0..8 {
                let (a, b) = (i as f64 / 7.0, j as f64 / 7.0);
                x.push(vec![a, b]);
                y.push(2.0 * a - b + 0.5);
            }
        }
        (x, y)
    }

    #[test]
    fn every_surrogate_ranks_a_linear_function() {
        let (x, y) = data();
        for name in SURROGATES {
            let mut s = build_surrogate(name, 0).unwrap();
            s.fit(&x, &y).unwrap();
            let p = s.predict(&[vec![1.0, 0.0], vec![0.0, 1.0], vec![0.5, 0.5]]);
            assert!(p[0] > p[2] && p[2] > p[1], "{name}: {p:?}");
        }
        assert!(build_surrogate("svm", 0)
            .err()
            .unwrap()
            .to_string()
            .contains("gbt, mlp, linear"));
    }
}
