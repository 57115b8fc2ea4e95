//! [`MixedHandle`]: the shared control of one mixed operator — its architecture weights α, the
//! paths sampled for the next forward pass, and the Gumbel temperature.
//!
//! The operator inside the model and the estimator driving the search hold clones of one
//! handle, so the estimator can resample paths or anneal the temperature without walking the
//! model.

use super::sampling::{argmax, gumbel, host_alphas, sample_index, softmax_host};
use burn::tensor::{activation::softmax, Tensor, TensorData};
use modnas_param_space::TensorParam;
use rand::Rng;
use std::sync::{Arc, Mutex, MutexGuard};

/// How a mixed operator combines its candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixedKind {
    /// DARTS: softmax(α)-weighted sum of every candidate.
    Weighted,
    /// SNAS: Gumbel-softmax((α + g) / τ)-weighted sum of every candidate.
    GumbelSum,
    /// GDAS: one path, the argmax of α + g; straight-through gradient to α.
    GumbelMax,
    /// ProxylessNAS: two paths sampled from softmax(α), binary gates on them.
    BinaryGate,
    /// ProxylessNAS with two paths sampled uniformly.
    BinaryGateUniform,
    /// SPOS: the single path chosen by a categorical parameter.
    Index,
    /// DrNAS: a reparameterised sample of Dir(elu(α) + 1) weights every candidate.
    Dirichlet,
}

impl MixedKind {
    /// True when the forward pass runs paths chosen by [`MixedHandle::resample_all`].
    pub fn samples_paths(self) -> bool {
        matches!(
            self,
            MixedKind::GumbelMax | MixedKind::BinaryGate | MixedKind::BinaryGateUniform
        )
    }
}

#[derive(Debug)]
struct Runtime {
    /// Sampled paths: one for GDAS and SPOS; two for binary gates, the first one open.
    active: Vec<usize>,
    /// Gumbel noise of the last sample (GDAS), on the host.
    noise: Vec<f32>,
    /// Gumbel-softmax temperature.
    tau: f64,
    /// α before the last architecture update (binary-gate rescaling).
    before_update: Option<Tensor<1>>,
}

#[derive(Debug)]
struct Shared {
    kind: MixedKind,
    candidates: Vec<String>,
    alpha: Option<TensorParam>,
    param_name: String,
    runtime: Mutex<Runtime>,
}

/// Shared control of one mixed operator. Clones refer to the same operator state.
#[derive(Clone, Debug)]
pub struct MixedHandle {
    shared: Arc<Shared>,
}

impl MixedHandle {
    /// A handle for a mixed operator of `kind` over `candidates`, reading α from `alpha`
    /// (required by every kind but [`MixedKind::Index`]). `param_name` names the parameter in
    /// the space (shared by every operator that shares α).
    pub fn new(
        kind: MixedKind,
        candidates: Vec<String>,
        alpha: Option<TensorParam>,
        param_name: impl Into<String>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                kind,
                candidates,
                alpha,
                param_name: param_name.into(),
                runtime: Mutex::new(Runtime {
                    active: vec![0],
                    noise: vec![],
                    tau: 1.0,
                    before_update: None,
                }),
            }),
        }
    }

    fn runtime(&self) -> MutexGuard<'_, Runtime> {
        self.shared
            .runtime
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The combination rule.
    pub fn kind(&self) -> MixedKind {
        self.shared.kind
    }

    /// Candidate names, in α order.
    pub fn candidates(&self) -> &[String] {
        &self.shared.candidates
    }

    /// The parameter's name in the space.
    pub fn param_name(&self) -> &str {
        &self.shared.param_name
    }

    /// The architecture weights, if this kind has them.
    pub fn alpha(&self) -> Option<&TensorParam> {
        self.shared.alpha.as_ref()
    }

    /// α as a tensor on the autodiff level of `like`: tracked for an autodiff input, the inner
    /// tensor for an inference input (a `valid()` model).
    pub(crate) fn alpha_like(&self, like: &Tensor<4>) -> Option<Tensor<1>> {
        let a = self.shared.alpha.as_ref()?.value();
        Some(if a.is_autodiff() && !like.is_autodiff() {
            a.inner()
        } else {
            a
        })
    }

    /// The sampled paths of the next forward pass.
    pub fn active(&self) -> Vec<usize> {
        self.runtime().active.clone()
    }

    /// Sets the active path (SPOS, or a fixed choice for evaluation).
    pub fn set_active(&self, paths: Vec<usize>) {
        self.runtime().active = paths;
    }

    pub(crate) fn noise(&self) -> Vec<f32> {
        self.runtime().noise.clone()
    }

    /// The Gumbel-softmax temperature τ.
    pub fn temperature(&self) -> f64 {
        self.runtime().tau
    }

    /// Sets τ (annealed by GDAS and SNAS).
    pub fn set_temperature(&self, tau: f64) {
        self.runtime().tau = tau;
    }

    /// softmax(α) on the host (for [`MixedKind::Dirichlet`], the Dirichlet's mean), or a
    /// one-hot of the active path for [`MixedKind::Index`].
    pub fn weights(&self) -> Vec<f32> {
        match &self.shared.alpha {
            Some(a) if self.shared.kind == MixedKind::Dirichlet => {
                let beta = modnas_kernels::concentration(a.value().detach());
                let total = beta.clone().sum().expand([beta.dims()[0]]);
                (beta / total)
                    .into_data()
                    .try_to_vec_as::<f32>()
                    .unwrap_or_default()
            }
            Some(a) => softmax(a.value().detach(), 0)
                .into_data()
                .try_to_vec_as::<f32>()
                .unwrap_or_default(),
            None => {
                let active = self.runtime().active.first().copied().unwrap_or(0);
                (0..self.shared.candidates.len())
                    .map(|i| if i == active { 1.0 } else { 0.0 })
                    .collect()
            }
        }
    }

    /// The index of the largest weight (the exported choice).
    pub fn argmax(&self) -> usize {
        argmax(&self.weights())
    }

    /// The exported candidate name.
    pub fn choice(&self) -> &str {
        &self.shared.candidates[self.argmax()]
    }

    /// Samples the paths of the next forward pass for every handle that samples, reading all
    /// α in one transfer from the device.
    pub fn resample_all(handles: &[MixedHandle], rng: &mut impl Rng) {
        let sampling: Vec<&MixedHandle> = handles
            .iter()
            .filter(|h| h.kind().samples_paths() && h.alpha().is_some())
            .collect();
        let alphas = host_alphas(&sampling);
        for (h, alpha) in sampling.iter().zip(alphas) {
            h.sample(&alpha, rng);
        }
    }

    fn sample(&self, alpha: &[f32], rng: &mut impl Rng) {
        let n = alpha.len();
        let mut rt = self.runtime();
        match self.kind() {
            MixedKind::GumbelMax => {
                rt.noise = (0..n).map(|_| gumbel(rng)).collect();
                let perturbed: Vec<f32> = alpha.iter().zip(&rt.noise).map(|(a, g)| a + g).collect();
                rt.active = vec![argmax(&perturbed)];
            }
            MixedKind::BinaryGate | MixedKind::BinaryGateUniform => {
                let probs = if self.kind() == MixedKind::BinaryGate {
                    softmax_host(alpha)
                } else {
                    vec![1.0; n]
                };
                let first = sample_index(&probs, rng);
                let mut rest = probs.clone();
                rest[first] = 0.0;
                let pair = if n > 1 {
                    vec![first, sample_index(&rest, rng)]
                } else {
                    vec![first]
                };
                // The open gate: one of the pair, drawn by softmax over the pair's α.
                let pair_probs = softmax_host(&pair.iter().map(|&i| alpha[i]).collect::<Vec<_>>());
                let open = sample_index(&pair_probs, rng);
                rt.active = vec![pair[open]];
                rt.active
                    .extend(pair.iter().copied().filter(|&i| i != pair[open]));
            }
            _ => {}
        }
    }

    /// Remembers α before an architecture update (for [`rescale_after_update`](Self::rescale_after_update)).
    pub fn before_update(&self) {
        if let Some(a) = &self.shared.alpha {
            self.runtime().before_update = Some(a.value().detach());
        }
    }

    /// ProxylessNAS rescaling: shifts the sampled pair's α so that their total exp-weight is
    /// what it was before the update, leaving the unsampled paths' probabilities unchanged.
    /// Does nothing for kinds without binary gates.
    pub fn rescale_after_update(&self) {
        if !matches!(
            self.kind(),
            MixedKind::BinaryGate | MixedKind::BinaryGateUniform
        ) {
            return;
        }
        let (Some(alpha), Some(old)) = (&self.shared.alpha, self.runtime().before_update.take())
        else {
            return;
        };
        let active = self.active();
        let n = alpha.len();
        let mask: Vec<f32> = (0..n)
            .map(|i| if active.contains(&i) { 1.0 } else { 0.0 })
            .collect();
        let device = old.device();
        let mask = Tensor::<1>::from_data(TensorData::new(mask, [n]), &device);
        alpha.update(|new| {
            let lse = |t: Tensor<1>| (t.exp() * mask.clone()).sum().log();
            let offset = lse(old) - lse(new.clone());
            new + mask.clone() * offset
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use rand::{rngs::StdRng, SeedableRng};

    fn handle(kind: MixedKind, alpha: &[f32]) -> MixedHandle {
        let device = Device::default();
        let t = Tensor::<1>::from_data(TensorData::new(alpha.to_vec(), [alpha.len()]), &device);
        let names = (0..alpha.len()).map(|i| format!("op{i}")).collect();
        MixedHandle::new(kind, names, Some(TensorParam::from_tensor(t)), "p")
    }

    #[test]
    fn binary_gate_samples_two_distinct_paths_mostly_the_likely_one() {
        let h = handle(MixedKind::BinaryGate, &[0.0, 3.0, 0.0, -2.0]);
        let mut rng = StdRng::seed_from_u64(1);
        let mut open_on_1 = 0;
        for _ in 0..200 {
            MixedHandle::resample_all(std::slice::from_ref(&h), &mut rng);
            let a = h.active();
            assert_eq!(a.len(), 2);
            assert_ne!(a[0], a[1]);
            open_on_1 += (a[0] == 1) as usize;
        }
        assert!(
            open_on_1 > 120,
            "open gate on the likely path {open_on_1}/200"
        );
    }

    #[test]
    fn gumbel_max_follows_alpha() {
        let h = handle(MixedKind::GumbelMax, &[5.0, 0.0, 0.0]);
        let mut rng = StdRng::seed_from_u64(2);
        let hits = (0..100)
            .filter(|_| {
                MixedHandle::resample_all(std::slice::from_ref(&h), &mut rng);
                h.active() == [0]
            })
            .count();
        assert!(hits > 90, "{hits}");
    }

    #[test]
    fn rescale_keeps_the_unsampled_probabilities() {
        let h = handle(MixedKind::BinaryGate, &[0.0, 1.0, 2.0]);
        h.set_active(vec![0, 1]);
        let before = h.weights();
        h.before_update();
        h.alpha().unwrap().update(|a| {
            a + Tensor::from_data(
                TensorData::new(vec![1.0f32, -0.5, 0.0], [3]),
                &Device::default(),
            )
        });
        h.rescale_after_update();
        let after = h.weights();
        assert!((before[2] - after[2]).abs() < 1e-5, "{before:?} {after:?}");
        assert!(after[0] > before[0] && after[1] < before[1]);
    }

    #[test]
    fn weights_and_choice() {
        let h = handle(MixedKind::Weighted, &[0.0, 2.0]);
        let w = h.weights();
        assert!((w[0] + w[1] - 1.0).abs() < 1e-6 && w[1] > w[0]);
        assert_eq!(h.choice(), "op1");
        let idx = MixedHandle::new(MixedKind::Index, vec!["a".into(), "b".into()], None, "q");
        idx.set_active(vec![1]);
        assert_eq!(idx.weights(), vec![0.0, 1.0]);
    }
}
