//! `depthwise_conv2d` computes what Burn's `conv2d` computes, forward and backward, for the
//! geometries of the built-in candidates; only the weight gradient's kernel differs.

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

/// Fixed random input, weight and output weighting for a depthwise convolution.
fn data(input: [usize; 4], kernel: usize, options: &ConvOptions<2>) -> [Tensor<4>; 3] {
    let device = Device::default().autodiff();
    device.seed(5);
    let normal = Distribution::Normal(0.0, 1.0);
    let x = Tensor::<4>::random(input, normal, &device);
    let w = Tensor::<4>::random([input[1], 1, kernel, kernel], normal, &device);
    let y = conv2d(x.clone(), w.clone(), None, options.clone());
    let r = Tensor::<4>::random(y.dims(), normal, &device);
    [x, w, r]
}

/// Output, input gradient and weight gradient of `conv` on `data`'s tensors.
fn run(
    conv: impl Fn(Tensor<4>, Tensor<4>, ConvOptions<2>) -> Tensor<4>,
    [x, w, r]: [Tensor<4>; 3],
    options: &ConvOptions<2>,
) -> [Vec<f32>; 3] {
    let (x, w) = (x.require_grad(), w.require_grad());
    let y = conv(x.clone(), w.clone(), options.clone());
    let grads = (y.clone() * r).sum().backward();
    [
        values(y),
        values(x.grad(&grads).expect("input gradient")),
        values(w.grad(&grads).expect("weight gradient")),
    ]
}

#[test]
fn forward_and_gradients_equal_burns_conv2d() {
    // (input, kernel, stride, dilation): SC3/SC5/DC3/DC5 at strides 1 and 2, odd sizes.
    let cases = [
        ([2, 4, 8, 8], 3, 1, 1),
        ([2, 4, 8, 8], 5, 1, 1),
        ([2, 4, 8, 8], 3, 2, 1),
        ([2, 4, 8, 8], 5, 2, 2),
        ([2, 4, 9, 7], 3, 1, 2),
        ([1, 3, 5, 5], 5, 2, 2),
    ];
    for (input, k, s, d) in cases {
        let pad = d * (k - 1) / 2;
        let options = ConvOptions::new([s, s], [pad, pad], [d, d], input[1]);
        let tensors = data(input, k, &options);
        let ours = run(depthwise_conv2d, tensors.clone(), &options);
        let burns = run(|x, w, o| conv2d(x, w, None, o), tensors, &options);
        let what = format!("{input:?} k={k} s={s} d={d}");
        for (part, (a, b)) in ["output", "dx", "dw"]
            .iter()
            .zip(ours.into_iter().zip(burns))
        {
            assert_close(&format!("{what} {part}"), a, b);
        }
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
