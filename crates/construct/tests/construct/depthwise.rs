//! `depthwise_conv2d` on the CPU: untracked inputs, which shapes count as depthwise, and a
//! depthwise `ConvLayer` training through it. The gradient comparison with Burn's `conv2d` on
//! every backend is `tests/common/device_parity.rs` at the workspace root.

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::kernels::{depthwise_conv2d, depthwise_geometry};
use modnas_construct::ops::ConvLayer;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn assert_close(what: &str, a: Vec<f32>, b: Vec<f32>) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (p, q)) in a.iter().zip(&b).enumerate() {
        assert!(
            (p - q).abs() <= 1e-4 * (1.0 + q.abs()),
            "{what}[{i}]: {p} against Burn's {q}"
        );
    }
}

#[test]
fn untracked_inputs_give_burns_output() {
    let device = Device::default();
    device.seed(2);
    let x = Tensor::<4>::random([1, 3, 6, 6], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<4>::random([3, 1, 3, 3], Distribution::Normal(0.0, 1.0), &device);
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 3);
    let ours = depthwise_conv2d(x.clone(), w.clone(), options.clone());
    assert_close("output", values(ours), values(conv2d(x, w, None, options)));
}

#[test]
fn only_depthwise_shapes_get_a_geometry() {
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 4);
    let x = [2, 4, 8, 8].into();
    let g = depthwise_geometry(&x, &[4, 1, 3, 3].into(), &[2, 4, 8, 8].into(), &options);
    assert_eq!(g.map(|g| g.output), Some([8, 8]));
    // A grouped convolution with two channels per group, and a wrong output size.
    let grouped = ConvOptions::new([1, 1], [1, 1], [1, 1], 2);
    assert!(depthwise_geometry(&x, &[4, 2, 3, 3].into(), &[2, 4, 8, 8].into(), &grouped).is_none());
    assert!(depthwise_geometry(&x, &[4, 1, 3, 3].into(), &[2, 4, 7, 7].into(), &options).is_none());
    // A 3-D output gradient and an empty kernel are not depthwise convolutions either.
    assert!(depthwise_geometry(&x, &[4, 1, 3, 3].into(), &[2, 4, 8].into(), &options).is_none());
    assert!(depthwise_geometry(&x, &[4, 1, 0, 3].into(), &[2, 4, 8, 8].into(), &options).is_none());
}

#[test]
fn a_depthwise_conv_layer_trains_like_a_grouped_conv2d() {
    let device = Device::default().autodiff();
    device.seed(9);
    let layer = ConvLayer::new(4, 4, 3, 1, 2, 4, &device).unwrap();
    let x = Tensor::<4>::random([2, 4, 8, 8], Distribution::Normal(0.0, 1.0), &device);
    let y = layer.forward(x.clone());
    assert_eq!(y.dims(), [2, 4, 8, 8]);
    let grads = y.sum().backward();
    let dw = layer
        .weight()
        .grad(&grads)
        .expect("the layer's weight is trained");
    let w = layer.weight().detach().require_grad();
    let options = ConvOptions::new([1, 1], [2, 2], [2, 2], 4);
    let reference = conv2d(x, w.clone(), None, options).sum().backward();
    assert_close("dw", values(dw), values(w.grad(&reference).unwrap()));
}
