//! Operations on a network's weights and their gradients, for any Burn module: the DARTS
//! virtual step and global-norm gradient clipping. They stay on the device.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

struct Shift<'a> {
    grads: &'a GradientsParams,
    scale: f64,
    decay: f64,
}

impl ModuleMapper for Shift<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(g) = self.grads.get::<D>(param.id) else {
            return param;
        };
        let (scale, decay) = (self.scale, self.decay);
        param.map(|t| {
            let tracked = t.is_autodiff();
            let w = t.inner();
            let step = if decay != 0.0 {
                g + w.clone() * decay
            } else {
                g
            };
            let w = w + step * scale;
            if tracked {
                w.autodiff().require_grad()
            } else {
                w
            }
        })
    }
}

/// `w ← w + scale · (g + decay · w)` for every weight of `model` with a gradient in `grads`;
/// parameter ids are kept.
pub fn shift_weights<M: Module>(model: M, grads: &GradientsParams, scale: f64, decay: f64) -> M {
    model.map(&mut Shift {
        grads,
        scale,
        decay,
    })
}

struct SqNorm<'a> {
    grads: &'a GradientsParams,
    sum: Option<Tensor<1>>,
}

impl ModuleVisitor for SqNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let s = (g.clone() * g).sum();
            self.sum = Some(match self.sum.take() {
                Some(acc) => acc + s,
                None => s,
            });
        }
    }
}

/// Σ‖g‖² over the weights of `model` that have a gradient, as a one-element device tensor.
pub fn grad_sq_norm<M: Module>(model: &M, grads: &GradientsParams) -> Option<Tensor<1>> {
    let mut v = SqNorm { grads, sum: None };
    model.visit(&mut v);
    v.sum
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: Tensor<1>,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            let f = self.factor.clone().reshape([1; D]);
            self.grads.register(param.id, g * f);
        }
    }
}

/// Scales the gradients of `model` so that their global L2 norm is at most `max_norm`
/// (PyTorch's `clip_grad_norm_`), without reading anything back from the device.
pub fn clip_grad_norm<M: Module>(model: &M, grads: &mut GradientsParams, max_norm: f64) {
    let Some(sq) = grad_sq_norm(model, grads) else {
        return;
    };
    let factor = (sq.sqrt().add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    model.visit(&mut Scale { grads, factor });
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[derive(Module, Debug)]
    struct Two {
        a: Param<Tensor<1>>,
        b: Param<Tensor<2>>,
    }

    fn setup() -> (Two, GradientsParams) {
        let device = Device::default().autodiff();
        let m = Two {
            a: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)),
            b: Param::from_tensor(Tensor::from_floats([[3.0]], &device)),
        };
        let loss = m.a.val().sum() * 3.0 + m.b.val().sum() * 4.0;
        let grads = GradientsParams::from_grads(loss.backward(), &m);
        (m, grads)
    }

    #[test]
    fn norm_clip_and_shift() {
        let (m, mut grads) = setup();
        let sq: f32 = grad_sq_norm(&m, &grads).unwrap().into_scalar();
        assert!((sq - 34.0).abs() < 1e-4); // 3² + 3² + 4²
        clip_grad_norm(&m, &mut grads, 1.0);
        let sq: f32 = grad_sq_norm(&m, &grads).unwrap().into_scalar();
        assert!((sq - 1.0).abs() < 1e-3, "{sq}");
        let (m, grads) = setup();
        let id = m.a.id;
        let m = shift_weights(m, &grads, -0.5, 0.0);
        assert_eq!(m.a.id, id);
        assert!(m.a.val().is_require_grad());
        let a = m.a.val().into_data().try_to_vec_as::<f32>().unwrap();
        assert_eq!(a, vec![-0.5, 0.5]);
        let b = m.b.val().into_data().try_to_vec_as::<f32>().unwrap();
        assert_eq!(b, vec![1.0]);
    }

    #[test]
    fn clipping_leaves_small_gradients_alone() {
        let (m, mut grads) = setup();
        clip_grad_norm(&m, &mut grads, 100.0);
        let sq: f32 = grad_sq_norm(&m, &grads).unwrap().into_scalar();
        assert!((sq - 34.0).abs() < 1e-3);
    }
}
