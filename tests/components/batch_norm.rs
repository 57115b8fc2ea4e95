//! modnas's training-mode batch norm (`modnas::kernels`) against Burn's on the
//! default CPU backend (`tests/backends/libtorch.rs` and `tests/backends/wgpu.rs` run the same check on theirs),
//! and `batch_norm_forward` against `burn::nn::BatchNorm::forward`, running statistics included.

use crate::common::device_parity::{assert_all_close, batch_norm_kernels_match_burns};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas::construct::ops::batch_norm;
use modnas::kernels::batch_norm_forward;

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn assert_close(what: &str, a: Vec<f32>, b: Vec<f32>) {
    assert_all_close(what, ["values"], [a], [b]);
}

#[test]
fn batch_norm_kernels_compute_burns_on_the_cpu() {
    batch_norm_kernels_match_burns(&Device::default());
}

#[test]
fn forward_moves_the_running_statistics_as_burns_batch_norm_does() {
    let device = Device::default().autodiff();
    device.seed(4);
    // Two layers: clones of one would share their running statistics.
    let (ours, burns) = (batch_norm(5, &device), batch_norm(5, &device));
    for step in 0..3 {
        let x = Tensor::<4>::random(
            [6, 5, 4, 4],
            Distribution::Normal(step as f64, 2.0),
            &device,
        );
        let (a, b) = (batch_norm_forward(&ours, x.clone()), burns.forward(x));
        assert_close(&format!("output {step}"), floats(a), floats(b));
    }
    let stats = |bn: &burn::nn::BatchNorm| {
        [
            floats(bn.running_mean.value()),
            floats(bn.running_var.value()),
        ]
    };
    let [(om, ov), (bm, bv)] = [stats(&ours), stats(&burns)].map(|[m, v]| (m, v));
    assert_ne!(om, vec![0.0; 5], "the running mean moved");
    assert_close("running mean", om, bm);
    assert_close("running variance", ov, bv);
    // Outside training (a plain device, or the layer frozen) the running statistics normalize.
    let x = Tensor::<4>::random([2, 5, 3, 3], Distribution::Default, &device);
    let plain = x.clone().inner();
    let (valid_ours, valid_burns) = (ours.valid(), burns.valid());
    assert_close(
        "valid",
        floats(batch_norm_forward(&valid_ours, plain.clone())),
        floats(valid_burns.forward(plain)),
    );
    let before = stats(&ours);
    let frozen = ours.clone().freeze();
    let y = batch_norm_forward(&frozen, x.clone());
    assert_close("frozen", floats(y), floats(burns.freeze().forward(x)));
    assert_eq!(stats(&ours), before, "a frozen layer's statistics stay");
}
