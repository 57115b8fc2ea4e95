//! `gbt`: gradient-boosted regression trees (the `gbdt` crate).

use super::Surrogate;
use crate::OptimError;
use gbdt::config::Config;
use gbdt::decision_tree::{Data, DataVec};
use gbdt::gradient_boost::GBDT;

/// Gradient-boosted trees with squared loss: 50 trees of depth 3, shrinkage 0.1.
pub struct GbtSurrogate {
    /// Number of trees. Default 50.
    pub trees: usize,
    /// Depth of each tree. Default 3.
    pub depth: u32,
    /// Learning rate. Default 0.1.
    pub shrinkage: f32,
    model: Option<GBDT>,
}

impl Default for GbtSurrogate {
    fn default() -> Self {
        Self {
            trees: 50,
            depth: 3,
            shrinkage: 0.1,
            model: None,
        }
    }
}

fn as_f32(row: &[f64]) -> Vec<f32> {
    row.iter().map(|v| *v as f32).collect()
}

impl Surrogate for GbtSurrogate {
    fn fit(&mut self, x: &[Vec<f64>], y: &[f64]) -> Result<(), OptimError> {
        let Some(first) = x.first() else {
            return Ok(());
        };
        let mut cfg = Config::new();
        cfg.set_feature_size(first.len());
        cfg.set_max_depth(self.depth);
        cfg.set_iterations(self.trees);
        cfg.set_shrinkage(self.shrinkage);
        cfg.set_min_leaf_size(1);
        cfg.set_loss("SquaredError");
        let mut data: DataVec = x
            .iter()
            .zip(y)
            .map(|(r, t)| Data::new_training_data(as_f32(r), 1.0, *t as f32, None))
            .collect();
        let mut model = GBDT::new(&cfg);
        model.fit(&mut data);
        self.model = Some(model);
        Ok(())
    }

    fn predict(&self, x: &[Vec<f64>]) -> Vec<f64> {
        match &self.model {
            Some(m) => {
                let data: DataVec = x
                    .iter()
                    .map(|r| Data::new_test_data(as_f32(r), None))
                    .collect();
                m.predict(&data).into_iter().map(f64::from).collect()
            }
            None => vec![0.0; x.len()],
        }
    }
}
