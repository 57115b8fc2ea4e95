//! Maps a Burn module in place. Burn's `Module::map` and its optimizers take a module by value,
//! while models live behind `&mut` in the construct and estimate routines.

use burn::module::Module;

/// Replaces `module` with `f(module)`. If `f` panics, `module` is left as it was before the
/// call and the panic goes on unwinding, so that a panic in user code (a candidate's forward
/// during batch-norm recalibration, say) fails one trial instead of aborting the process.
///
/// The restore point is a clone: Burn's clones share their tensors, so it costs a handle per
/// parameter, not a copy of the weights.
pub fn map_in_place<M: Module>(module: &mut M, f: impl FnOnce(M) -> M) {
    let restore = module.clone();
    replace_with::replace_with(module, move || restore, f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::Device;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    #[test]
    fn a_panic_leaves_the_module_as_it_was() {
        let device = Device::default();
        let mut layer: Linear = LinearConfig::new(2, 3).init(&device);
        let before = layer.weight.val().into_data();
        let result = catch_unwind(AssertUnwindSafe(|| {
            map_in_place(&mut layer, |_| panic!("user code failed"));
        }));
        assert!(result.is_err());
        assert_eq!(layer.weight.val().into_data(), before);
    }

    #[test]
    fn the_mapped_module_replaces_the_old_one() {
        let device = Device::default();
        let mut layer: Linear = LinearConfig::new(2, 3).init(&device);
        let other: Linear = LinearConfig::new(2, 3).init(&device);
        let expected = other.weight.val().into_data();
        map_in_place(&mut layer, move |_| other);
        assert_eq!(layer.weight.val().into_data(), expected);
    }
}
