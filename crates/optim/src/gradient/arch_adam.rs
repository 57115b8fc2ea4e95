//! [`ArchAdam`]: Adam on the tensor parameters α, separate from the weight optimizer.

use super::ArchAdamArgs;
use burn::module::{Module, Param};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;
use modnas_param_space::TensorParam;
use std::path::Path;

/// The α tensors as one Burn module, so that a Burn optimizer can step them.
#[derive(Module, Debug)]
struct AlphaSet {
    alphas: Vec<Param<Tensor<1>>>,
}

/// Adam over α. Its state is keyed by the parameters' ids, so it carries over between steps.
pub struct ArchAdam {
    optim: ModuleOptimizer,
    lr: f64,
    lr_is_default: bool,
}

/// How far (in logits) α can travel over DARTS's CIFAR-10 search: Adam's steps are about
/// `lr` each, and 50 epochs of 391 batches at 3e-4 make 5.9.
const DARTS_TRAVEL: f64 = 6.0;
/// The highest rate [`ArchAdam::fit_default_lr`] sets: beyond it Adam's first steps on α
/// overshoot on the noisy gradients of small batches.
const MAX_FITTED_LR: f64 = 0.05;

impl ArchAdam {
    /// An Adam optimizer with `args`.
    pub fn new(args: &ArchAdamArgs) -> Self {
        let decay =
            (args.weight_decay > 0.0).then(|| WeightDecayConfig::new(args.weight_decay as f32));
        let optim = AdamConfig::new()
            .with_beta_1(args.betas[0] as f32)
            .with_beta_2(args.betas[1] as f32)
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init();
        Self {
            optim,
            lr: args.lr,
            lr_is_default: args.lr_is_default,
        }
    }

    /// The learning rate of the next steps.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Whether the rate is still the optimizer's default, which
    /// [`fit_default_lr`](Self::fit_default_lr) would fit to the run.
    pub fn has_default_lr(&self) -> bool {
        self.lr_is_default
    }

    /// For a run of `steps` α steps whose rate is the optimizer's default (no `lr` key):
    /// raises it so that α can travel about as far as in DARTS's CIFAR-10 search
    /// (6 / `steps`, at most 0.05; never below the default), and returns the new rate. The
    /// paper's rate suits its 20 000 steps; a search of a few hundred steps would leave α
    /// near uniform. A given `lr` is kept (None).
    pub fn fit_default_lr(&mut self, steps: usize) -> Option<f64> {
        if !self.lr_is_default || steps == 0 {
            return None;
        }
        let fitted = (DARTS_TRAVEL / steps as f64).min(MAX_FITTED_LR);
        self.lr = self.lr.max(fitted);
        self.lr_is_default = false;
        Some(self.lr)
    }

    /// One Adam step of `alphas` along `grads` (one gradient per α, same order).
    pub fn step(&mut self, alphas: &[TensorParam], grads: Vec<Tensor<1>>) {
        let mut params = GradientsParams::new();
        for (a, g) in alphas.iter().zip(grads) {
            params.register(a.id(), g.inner());
        }
        let set = AlphaSet {
            alphas: alphas.iter().map(TensorParam::param).collect(),
        };
        let set = self.optim.step(self.lr, set, params);
        for (a, p) in alphas.iter().zip(set.alphas) {
            a.set_param(p);
        }
    }
}

impl ArchAdam {
    /// Writes α (values and parameter ids) to `dir/alphas.bpk` and Adam's state to
    /// `dir/arch_adam.bpk`, for a checkpoint.
    pub fn save_state(&self, alphas: &[TensorParam], dir: &Path) -> Result<(), String> {
        let set = AlphaSet {
            alphas: alphas.iter().map(TensorParam::param).collect(),
        };
        set.save_file(dir.join("alphas.bpk"))
            .map_err(|e| format!("alphas.bpk: {e}"))?;
        self.optim
            .save(dir.join("arch_adam.bpk"))
            .map_err(|e| format!("arch_adam.bpk: {e}"))
    }

    /// Restores what [`save_state`](Self::save_state) wrote into `alphas` (which take the saved
    /// ids, so Adam's state applies to them again) and into this optimizer.
    pub fn load_state(&mut self, alphas: &[TensorParam], dir: &Path) -> Result<(), String> {
        let set = AlphaSet {
            alphas: alphas.iter().map(TensorParam::param).collect(),
        }
        .try_load_file(dir.join("alphas.bpk"))
        .map_err(|e| format!("alphas.bpk: {e}"))?;
        for (a, p) in alphas.iter().zip(set.alphas) {
            a.set_param(p);
        }
        let fresh = AdamConfig::new().init();
        self.optim = std::mem::replace(&mut self.optim, fresh)
            .load(dir.join("arch_adam.bpk"))
            .map_err(|e| format!("arch_adam.bpk: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn adam_moves_alpha_against_the_gradient() {
        let device = Device::default().autodiff();
        let a = TensorParam::zeros(2, &device);
        let mut adam = ArchAdam::new(&ArchAdamArgs::darts());
        for _ in 0..3 {
            adam.step(
                std::slice::from_ref(&a),
                vec![Tensor::from_floats([1.0, -1.0], &device.clone().inner())],
            );
        }
        let v = a.to_vec();
        assert!(v[0] < -5e-4 && v[1] > 5e-4, "{v:?}");
        assert!(a.value().is_require_grad());
    }

    #[test]
    fn state_round_trips_through_files() {
        let device = Device::default().autodiff();
        let a = TensorParam::zeros(2, &device);
        let mut adam = ArchAdam::new(&ArchAdamArgs::darts());
        let grad = || vec![Tensor::from_floats([1.0, -1.0], &device.clone().inner())];
        adam.step(std::slice::from_ref(&a), grad());
        let dir = tempfile::tempdir().unwrap();
        adam.save_state(std::slice::from_ref(&a), dir.path())
            .unwrap();
        adam.step(std::slice::from_ref(&a), grad());
        let want = a.to_vec();

        let b = TensorParam::zeros(2, &device);
        let mut restored = ArchAdam::new(&ArchAdamArgs::darts());
        restored
            .load_state(std::slice::from_ref(&b), dir.path())
            .unwrap();
        assert_eq!(b.id(), a.id(), "the saved id comes back");
        restored.step(std::slice::from_ref(&b), grad());
        let got = b.to_vec();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-7, "{got:?} vs {want:?}");
        }
    }
}

#[cfg(test)]
mod fitted_lr_tests {
    use super::*;
    use crate::ArchAdamOverrides;

    #[test]
    fn a_default_rate_is_raised_for_a_short_run_and_a_given_one_is_kept() {
        let mut adam = ArchAdam::new(&ArchAdamArgs::darts());
        assert_eq!(adam.fit_default_lr(600), Some(0.01));
        assert_eq!(adam.fit_default_lr(60), None, "fitted once");
        let mut short = ArchAdam::new(&ArchAdamArgs::darts());
        assert_eq!(short.fit_default_lr(10), Some(0.05), "capped");
        let mut long = ArchAdam::new(&ArchAdamArgs::darts());
        assert_eq!(
            long.fit_default_lr(100_000),
            Some(3e-4),
            "never below the default"
        );
        let given = ArchAdamOverrides {
            lr: Some(1e-3),
            ..ArchAdamOverrides::default()
        }
        .resolve(ArchAdamArgs::darts(), "DARTSOptim")
        .unwrap();
        let mut kept = ArchAdam::new(&given);
        assert_eq!((kept.fit_default_lr(10), kept.lr()), (None, 1e-3));
    }
}
