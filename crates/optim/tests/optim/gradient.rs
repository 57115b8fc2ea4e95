//! Gradient optimizers on a tiny differentiable problem: the DARTS second-order gradient
//! against a direct finite difference of the unrolled objective.

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{activation::softmax, Device, Tensor};
use modnas_optim::{
    build_gradient_optim, build_optim, grad_sq_norm, shift_weights, ArchProblem, Backward,
    DARTSOptim, DARTSOptimArgs, OptimError, Split,
};
use modnas_param_space::{ParamSpace, TensorParam};

#[derive(Module, Debug)]
struct Weights {
    w: Param<Tensor<1>>,
}

struct Toy {
    model: Weights,
    saved: Option<Weights>,
    alpha: TensorParam,
    device: Device,
    lr: f64,
    decay: f64,
}

const TRAIN: [f32; 3] = [1.0, -2.0, 0.5];
const VALID: [f32; 3] = [0.5, -1.0, 2.0];

impl Toy {
    fn new() -> Self {
        let device = Device::default().autodiff();
        Toy {
            model: Weights {
                w: Param::from_tensor(Tensor::from_floats([0.3, -0.7, 1.1], &device)),
            },
            saved: None,
            alpha: TensorParam::from_tensor(Tensor::from_floats([0.2, -0.1, 0.4], &device)),
            device,
            lr: 0.5,
            decay: 0.01,
        }
    }

    /// L = Σ (softmax(α)·w·3 − t)² + 0.1 Σ softmax(α)·w⁴: α and w interact non-linearly.
    fn loss(&self, split: Split) -> Tensor<1> {
        let t = if split == Split::Train { TRAIN } else { VALID };
        let p = softmax(self.alpha.value(), 0);
        let w = self.model.w.val();
        let fit =
            (p.clone() * w.clone() * 3.0 - Tensor::from_floats(t, &self.device)).powi_scalar(2);
        fit.sum() + (p * w.powi_scalar(4)).sum() * 0.1
    }
}

impl ArchProblem for Toy {
    fn alphas(&self) -> Vec<TensorParam> {
        vec![self.alpha.clone()]
    }
    fn backward(&mut self, split: Split) -> Result<Backward, OptimError> {
        let loss = self.loss(split);
        let mut grads = loss.backward();
        let arch = vec![self.alpha.value().grad_remove(&mut grads).unwrap()];
        Ok(Backward {
            arch,
            weights: GradientsParams::from_grads(grads, &self.model),
            loss: loss.detach(),
        })
    }
    fn shift_weights(&mut self, grads: &GradientsParams, scale: f64, decay: f64) {
        self.model = shift_weights(self.model.clone(), grads, scale, decay);
    }
    fn grad_sq_norm(&self, grads: &GradientsParams) -> f64 {
        grad_sq_norm(&self.model, grads).map_or(0.0, |t| t.into_scalar::<f64>())
    }
    fn save_weights(&mut self) {
        self.saved = Some(self.model.clone());
    }
    fn restore_weights(&mut self) {
        self.model = self.saved.clone().expect("saved");
    }
    fn weight_lr(&self) -> f64 {
        self.lr
    }
    fn weight_decay(&self) -> f64 {
        self.decay
    }
}

/// f(α) = L_valid(w − ξ(∇w L_train(w, α) + λw), α), evaluated directly.
fn unrolled_valid_loss(toy: &mut Toy) -> f64 {
    let original = toy.model.clone();
    let g = toy.backward(Split::Train).unwrap().weights;
    toy.model = shift_weights(original.clone(), &g, -toy.lr, toy.decay);
    let f = toy.loss(Split::Valid).into_scalar::<f64>();
    toy.model = original;
    f
}

fn to_vec(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

#[test]
fn second_order_gradient_matches_a_finite_difference_of_the_unrolled_loss() {
    let mut toy = Toy::new();
    let w_before = to_vec(toy.model.w.val());
    let optim = DARTSOptim::new(
        &space(&toy),
        toml::from_str::<DARTSOptimArgs>("order = 2").unwrap(),
        0,
    )
    .unwrap();
    let second = to_vec(optim.arch_gradient(&mut toy).unwrap().remove(0));
    // The unrolling leaves the weights as they were.
    assert_eq!(to_vec(toy.model.w.val()), w_before);
    let first = to_vec(toy.backward(Split::Valid).unwrap().arch.remove(0));

    let h = 1e-2;
    let base = toy.alpha.to_vec();
    let direct: Vec<f32> = (0..3)
        .map(|i| {
            let mut at = |d: f32| {
                let mut v = base.clone();
                v[i] += d;
                toy.alpha
                    .update(|a| Tensor::from_floats(v.as_slice(), &a.device()));
                unrolled_valid_loss(&mut toy)
            };
            ((at(h) - at(-h)) / (2.0 * h as f64)) as f32
        })
        .collect();
    let err = |g: &[f32]| {
        g.iter()
            .zip(&direct)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    };
    let scale = direct.iter().map(|v| v.abs()).fold(0.0, f32::max);
    assert!(
        err(&second) < 0.02 * scale,
        "second {second:?} vs direct {direct:?}"
    );
    // The Hessian term matters here: the first-order gradient is far off.
    assert!(
        err(&first) > 0.2 * scale,
        "first {first:?} vs direct {direct:?}"
    );
}

fn space(toy: &Toy) -> ParamSpace {
    let mut s = ParamSpace::new();
    s.insert("alpha", toy.alpha.clone()).unwrap();
    s
}

#[test]
fn arch_steps_move_alpha_and_never_the_weights() {
    for (name, args) in [
        ("DARTSOptim", "order = 2"),
        ("DARTSOptim", ""),
        ("GDASOptim", ""),
        ("SNASOptim", ""),
        ("BinaryGateOptim", ""),
        ("DirectGradOptim", ""),
    ] {
        let mut toy = Toy::new();
        let args: toml::Table = toml::from_str(args).unwrap();
        let mut optim = build_gradient_optim(name, &space(&toy), &args, 0).unwrap();
        let (w0, a0) = (to_vec(toy.model.w.val()), toy.alpha.to_vec());
        optim.step(&mut toy).unwrap();
        assert_eq!(to_vec(toy.model.w.val()), w0, "{name} moved the weights");
        assert_ne!(toy.alpha.to_vec(), a0, "{name} did not move α");
        // It proposes no discrete architectures: the discrete builder refuses it.
        let err = build_optim(name, &space(&toy), &args, 0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("SuperNetEstim"), "{err}");
    }
}

#[test]
fn bad_arguments_name_the_key() {
    let toy = Toy::new();
    let err = |name: &str, args: &str| {
        build_gradient_optim(name, &space(&toy), &toml::from_str(args).unwrap(), 0)
            .err()
            .unwrap()
            .to_string()
    };
    assert!(err("DARTSOptim", "order = 3").contains("`order` = 3"));
    assert!(err("DARTSOptim", "lr = -1.0").contains("`lr` = -1"));
    assert!(err("GDASOptim", "tau_min = 0.0").contains("tau_min"));
    assert!(err("SNASOptim", "unknown_key = 1").contains("unknown_key"));
    assert!(err("BinaryGateOptim", "betas = [1.5, 0.9]").contains("betas"));
}

#[test]
fn temperature_schedules() {
    let toy = Toy::new();
    let mut gdas = build_gradient_optim("GDASOptim", &space(&toy), &toml::Table::new(), 0).unwrap();
    let g = gdas.as_mut();
    assert_eq!(g.temperature(0, 11), Some(10.0));
    assert!((g.temperature(10, 11).unwrap() - 0.1).abs() < 1e-12);
    assert!((g.temperature(5, 11).unwrap() - 5.05).abs() < 1e-12);
    let mut snas = build_gradient_optim("SNASOptim", &space(&toy), &toml::Table::new(), 0).unwrap();
    let s = snas.as_mut();
    assert_eq!(s.temperature(0, 50), Some(5.0));
    assert!((s.temperature(10, 50).unwrap() - 5.0 * (-0.45f64).exp()).abs() < 1e-12);
    let darts = build_gradient_optim("DARTSOptim", &space(&toy), &toml::Table::new(), 0).unwrap();
    assert_eq!(darts.temperature(3, 10), None);
    assert!(!darts.one_level());
    let direct =
        build_gradient_optim("DirectGradOptim", &space(&toy), &toml::Table::new(), 0).unwrap();
    assert!(direct.one_level());
}
