//! Elastic groups: sliced weights get gradients on active channels only, reordering keeps the
//! function at full width, parameter updates set width and depth through the transform
//! routine, and several groups may follow one parameter.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::{
    build_candidate, construct, CandidateSets, ChannelOrder, ElasticHandle, ElasticRole,
    ElasticSequentialGroup, ElasticSpatialGroup, SlotSpec,
};
use modnas_param_space::ArchDesc;

fn values(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// Per-output-channel L1 norm of a 4-D tensor.
fn per_channel(t: Tensor<4>) -> Vec<f32> {
    let c = t.dims()[0];
    values(t.abs().sum_dim(1).sum_dim(2).sum_dim(3).reshape([c]))
}

#[test]
fn a_sliced_weight_gets_gradients_on_its_active_channels_only() {
    let device = Device::default().autodiff();
    device.seed(3);
    let ratio = ElasticHandle::new("ratio", &[4, 2]).unwrap();
    let block = ElasticSpatialGroup::inverted_residual(3, 5, 1, 3, ratio.clone(), &device).unwrap();
    ratio.set(2).unwrap(); // 6 of 12 hidden channels
    let x = Tensor::<4>::random([2, 3, 6, 6], Distribution::Normal(0.0, 1.0), &device);
    let grads = block.forward(x).powf_scalar(2.0).sum().backward();
    for layer in block.layers() {
        let g = layer.weight().val().grad(&grads).expect("a gradient");
        let g = match layer.role() {
            ElasticRole::Project => g.swap_dims(0, 1),
            _ => g,
        };
        let norms = per_channel(g);
        assert_eq!(norms.len(), 12);
        assert!(
            norms[..6].iter().all(|v| *v > 0.0),
            "{:?}: {norms:?}",
            layer.role()
        );
        assert!(
            norms[6..].iter().all(|v| *v == 0.0),
            "{:?}: {norms:?}",
            layer.role()
        );
    }
}

#[test]
fn reordering_at_full_width_keeps_the_function() {
    let device = Device::default().autodiff();
    device.seed(4);
    let ratio = ElasticHandle::new("ratio", &[3, 1]).unwrap();
    let mut block =
        ElasticSpatialGroup::inverted_residual(4, 4, 1, 3, ratio.clone(), &device).unwrap();
    // A training pass moves the running statistics away from their initial values.
    let x = Tensor::<4>::random([4, 4, 5, 5], Distribution::Normal(0.0, 1.0), &device);
    let _ = block.forward(x.clone());
    let x = x.inner();
    let before = block.valid().forward(x.clone());
    let project = |b: &ElasticSpatialGroup| b.layers()[2].weight().val().swap_dims(0, 1);
    let l1_before = per_channel(project(&block));
    block.reorder(ChannelOrder::L1);
    let l1_after = per_channel(project(&block));
    assert_ne!(l1_before, l1_after, "the order changed");
    assert!(l1_after.windows(2).all(|w| w[0] >= w[1]), "{l1_after:?}");
    let after = block.valid().forward(x);
    let diff: f32 = (after - before).abs().max().into_scalar();
    assert!(diff < 1e-5, "{diff}");
    // Reordered weights still train.
    let y = block.forward(Tensor::ones([1, 4, 5, 5], &device));
    let grads = y.sum().backward();
    assert!(block.layers()[0].weight().val().grad(&grads).is_some());
}

#[derive(Module, Debug)]
struct Net {
    a: ElasticSpatialGroup,
    b: ElasticSpatialGroup,
    stage: ElasticSequentialGroup,
}

fn net(device: &Device) -> Net {
    let ratio = ElasticHandle::new("ratio", &[4, 2, 1]).unwrap();
    // A second handle of the same parameter: both groups follow it.
    let ratio_b = ElasticHandle::new("ratio", &[4, 2, 1]).unwrap();
    let depth = ElasticHandle::new("depth", &[3, 2, 1]).unwrap();
    let blocks = (0..3)
        .map(|_| build_candidate("NC3", &SlotSpec::new(2, 2, 1), device))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    Net {
        a: ElasticSpatialGroup::inverted_residual(2, 2, 1, 3, ratio, device).unwrap(),
        b: ElasticSpatialGroup::inverted_residual(2, 2, 1, 3, ratio_b, device).unwrap(),
        stage: ElasticSequentialGroup::new(blocks, depth).unwrap(),
    }
}

#[test]
fn parameter_updates_set_width_and_depth_through_the_transform_routine() {
    let device = Device::default();
    let mut c = construct(net(&device), &CandidateSets::default(), &device).unwrap();
    assert_eq!(c.space.names().collect::<Vec<_>>(), ["ratio", "depth"]);
    let x = Tensor::<4>::zeros([1, 2, 4, 4], &device);
    assert_eq!(c.model.a.hidden(x.clone()).dims(), [1, 8, 4, 4]);
    let full = c.model.a.active_params(2);
    c.apply(
        &[("ratio", 1i64), ("depth", 2)]
            .into_iter()
            .collect::<ArchDesc>(),
    )
    .unwrap();
    for group in [&c.model.a, &c.model.b] {
        assert_eq!(group.hidden(x.clone()).dims(), [1, 2, 4, 4]);
    }
    // expand 2·w + BN 2w, depthwise 9w + BN 2w, project 2·w + BN 4, at w = 8 and w = 2.
    let count = |w: usize| 2 * w + 2 * w + 9 * w + 2 * w + 2 * w + 4;
    assert_eq!((full, c.model.a.active_params(2)), (count(8), count(2)));
    // Depth 2 runs exactly the first two blocks.
    assert_eq!(c.model.stage.active_depth(), 2);
    let x = Tensor::<4>::random([1, 2, 4, 4], Distribution::Normal(0.0, 1.0), &device);
    let blocks = c.model.stage.blocks();
    let by_hand = blocks[1].forward(blocks[0].forward(x.clone()));
    let diff: f32 = (c.model.stage.forward(x.clone()) - by_hand)
        .abs()
        .max()
        .into_scalar();
    assert_eq!(diff, 0.0);
    let one = blocks[0].cost(&[1, 2, 4, 4]).macs;
    assert_eq!(c.model.stage.cost(&[1, 2, 4, 4]).macs, 2 * one);
    // A choice outside the parameter's is refused by the space.
    assert!(c
        .apply(&[("depth", 5i64)].into_iter().collect::<ArchDesc>())
        .is_err());
}

#[test]
fn groups_of_one_parameter_must_agree_on_its_choices() {
    let device = Device::default();
    #[derive(Module, Debug)]
    struct Two {
        a: ElasticSpatialGroup,
        b: ElasticSpatialGroup,
    }
    let two = Two {
        a: ElasticSpatialGroup::inverted_residual(
            2,
            2,
            1,
            3,
            ElasticHandle::new("ratio", &[2, 1]).unwrap(),
            &device,
        )
        .unwrap(),
        b: ElasticSpatialGroup::inverted_residual(
            2,
            2,
            1,
            3,
            ElasticHandle::new("ratio", &[3, 1]).unwrap(),
            &device,
        )
        .unwrap(),
    };
    let err = construct(two, &CandidateSets::default(), &device)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`ratio` has choices [2, 1] in one group and [3, 1]"),
        "{err}"
    );
}
