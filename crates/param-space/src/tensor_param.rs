//! A differentiable architecture parameter backed by a Burn [`Param`].

use burn::module::Param;
use burn::tensor::{Device, Tensor};

/// A differentiable architecture parameter: a 1-D tensor of architecture weights (the α of
/// a mixed operator). Gradient-based optimizers update it through Burn's autodiff; it emits
/// update events only when [`ParamSpace::touch`](crate::ParamSpace::touch) is called.
#[derive(Debug)]
pub struct TensorParam {
    param: Param<Tensor<1>>,
}

impl TensorParam {
    /// A tensor parameter of `len` zeros (uniform softmax) on `device`.
    pub fn zeros(len: usize, device: &Device) -> Self {
        Self {
            param: Param::from_tensor(Tensor::zeros([len], device)),
        }
    }

    /// Wraps an existing Burn parameter, keeping its id.
    pub fn from_param(param: Param<Tensor<1>>) -> Self {
        Self { param }
    }

    /// The Burn parameter.
    pub fn param(&self) -> &Param<Tensor<1>> {
        &self.param
    }

    /// Replaces the Burn parameter (after an optimizer step, for example).
    pub fn set_param(&mut self, param: Param<Tensor<1>>) {
        self.param = param;
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.param.lazy_shape().num_elements()
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_has_requested_len() {
        let t = TensorParam::zeros(4, &Device::default());
        assert_eq!(t.len(), 4);
        let sum: f32 = t.param().val().sum().into_scalar();
        assert_eq!(sum, 0.0);
    }
}
