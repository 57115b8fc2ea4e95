//! A differentiable architecture parameter backed by a Burn [`Param`].
//!
//! Clones share one value: the parameter space, the mixed operators that read it in their
//! forward pass and the gradient optimizer that updates it all hold the same tensor.
//!
//! ```
//! use burn::tensor::Device;
//! use modnas_param_space::TensorParam;
//! let alpha = TensorParam::zeros(3, &Device::default());
//! let shared = alpha.clone();
//! shared.update(|t| t.add_scalar(1.0));
//! assert_eq!(alpha.to_vec(), vec![1.0, 1.0, 1.0]);
//! ```

use crate::{EventBus, ParamUpdate};
use burn::module::{Param, ParamId};
use burn::tensor::{Device, Tensor};
use std::sync::{Arc, Mutex, RwLock};

/// A differentiable architecture parameter: a 1-D tensor of architecture weights (the α of
/// a mixed operator). Gradient optimizers update it through Burn's autodiff; once it is in a
/// [`ParamSpace`](crate::ParamSpace), each write publishes a [`ParamUpdate`] (without values)
/// on the space's bus.
#[derive(Clone, Debug)]
pub struct TensorParam {
    param: Arc<RwLock<Param<Tensor<1>>>>,
    /// The name and bus of the space it belongs to, shared by clones.
    bus: Arc<Mutex<Option<(String, EventBus)>>>,
}

impl TensorParam {
    /// A tensor parameter of `len` zeros (uniform softmax) on `device`.
    pub fn zeros(len: usize, device: &Device) -> Self {
        Self::from_tensor(Tensor::zeros([len], device))
    }

    /// A tensor parameter with initial value `tensor` and a fresh id.
    pub fn from_tensor(tensor: Tensor<1>) -> Self {
        Self::from_param(Param::from_tensor(tensor))
    }

    /// Wraps an existing Burn parameter, keeping its id.
    pub fn from_param(param: Param<Tensor<1>>) -> Self {
        Self {
            param: Arc::new(RwLock::new(param)),
            bus: Arc::default(),
        }
    }

    /// Publishes this parameter's writes on `bus` under `name` (the space does this when the
    /// parameter is inserted; the last binding holds).
    pub(crate) fn bind(&self, name: &str, bus: EventBus) {
        *self.bus.lock().unwrap_or_else(|e| e.into_inner()) = Some((name.to_string(), bus));
    }

    fn publish(&self) {
        let bound = self.bus.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((name, bus)) = bound {
            bus.publish(ParamUpdate {
                name,
                old: None,
                new: None,
            });
        }
    }

    /// A copy of the Burn parameter (same id, same tensor).
    pub fn param(&self) -> Param<Tensor<1>> {
        self.read().clone()
    }

    /// The parameter's id.
    pub fn id(&self) -> ParamId {
        self.read().id
    }

    /// The current value; gradients of a loss computed from it reach this parameter.
    pub fn value(&self) -> Tensor<1> {
        self.read().val()
    }

    /// Replaces the Burn parameter (after an optimizer step, for example).
    pub fn set_param(&self, param: Param<Tensor<1>>) {
        *self.param.write().unwrap_or_else(|e| e.into_inner()) = param;
        self.publish();
    }

    /// Replaces the value by `f(value)`, keeping the id and the gradient requirement.
    pub fn update(&self, f: impl FnOnce(Tensor<1>) -> Tensor<1>) {
        let mut guard = self.param.write().unwrap_or_else(|e| e.into_inner());
        let old = guard.clone();
        let require_grad = old.is_require_grad();
        let id = old.id;
        let value = f(old.val().detach()).detach();
        let value = if require_grad {
            value.require_grad()
        } else {
            value
        };
        *guard = Param::initialized(id, value);
        drop(guard);
        self.publish();
    }

    /// The value on the host (synchronises with the device).
    pub fn to_vec(&self) -> Vec<f32> {
        self.value()
            .into_data()
            .try_to_vec_as::<f32>()
            .unwrap_or_default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.read().lazy_shape().num_elements()
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `other` is a clone of this parameter (same storage).
    pub fn same_as(&self, other: &TensorParam) -> bool {
        Arc::ptr_eq(&self.param, &other.param)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Param<Tensor<1>>> {
        self.param.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_has_requested_len() {
        let t = TensorParam::zeros(4, &Device::default());
        assert_eq!(t.len(), 4);
        assert_eq!(t.to_vec(), vec![0.0; 4]);
    }

    #[test]
    fn update_keeps_id_and_grad_requirement() {
        let t = TensorParam::zeros(2, &Device::default().autodiff());
        let id = t.id();
        assert!(t.value().is_require_grad());
        t.update(|v| v.add_scalar(2.0));
        assert_eq!(t.id(), id);
        assert!(t.value().is_require_grad());
        assert_eq!(t.to_vec(), vec![2.0, 2.0]);
    }

    #[test]
    fn clones_share_storage() {
        let a = TensorParam::zeros(2, &Device::default());
        let b = a.clone();
        assert!(a.same_as(&b));
        b.set_param(Param::from_tensor(Tensor::ones([2], &Device::default())));
        assert_eq!(a.to_vec(), vec![1.0, 1.0]);
        assert!(!a.same_as(&TensorParam::zeros(2, &Device::default())));
    }
}
