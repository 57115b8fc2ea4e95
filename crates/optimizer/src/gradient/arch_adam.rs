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
}

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
        Self { optim, lr: args.lr }
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
