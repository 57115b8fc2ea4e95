//! Mixed operators built by the construct routine: which paths run, and whether α learns.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use modnas_construct::{
    construct, mixed_op_names, register_candidate, register_mixed_op, CandidateBox, CandidateSets,
    ConstructError, Cost, MixedHandle, MixedKind, MixedOp, NasModule, Slot, SlotSpec,
};
use modnas_param_space::{ArchDesc, ParamKind};
use rand::{rngs::StdRng, SeedableRng};
use std::cell::RefCell;

thread_local! {
    static CALLS: RefCell<[usize; 4]> = const { RefCell::new([0; 4]) };
}

/// `x * w`, counting its forward calls per thread.
#[derive(Module, Debug)]
struct Counted {
    w: Param<Tensor<1>>,
    id: usize,
}

impl NasModule for Counted {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        CALLS.with(|c| c.borrow_mut()[self.id] += 1);
        x * self.w.val().reshape([1, 1, 1, 1])
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}

fn counted(id: usize, device: &Device) -> CandidateBox {
    let w = Tensor::from_floats([0.5 + id as f32], device);
    CandidateBox::new(
        "Counted",
        Counted {
            w: Param::from_tensor(w),
            id,
        },
    )
}
register_candidate!(
    /// a candidate of the tests
    "CountA", |_: &SlotSpec,
                               d: &Device|
 -> Result<_, ConstructError> {
    Ok(counted(0, d))
});
register_candidate!(
    /// a candidate of the tests
    "CountB", |_: &SlotSpec,
                               d: &Device|
 -> Result<_, ConstructError> {
    Ok(counted(1, d))
});
register_candidate!(
    /// a candidate of the tests
    "CountC", |_: &SlotSpec,
                               d: &Device|
 -> Result<_, ConstructError> {
    Ok(counted(2, d))
});
register_candidate!(
    /// a candidate of the tests
    "CountD", |_: &SlotSpec,
                               d: &Device|
 -> Result<_, ConstructError> {
    Ok(counted(3, d))
});

#[derive(Module, Debug)]
struct Net {
    slots: Vec<Slot>,
}

fn calls() -> usize {
    CALLS.with(|c| std::mem::take(&mut *c.borrow_mut()).iter().sum())
}

/// Builds a one-slot net with `mixed_op`, samples paths, runs forward and backward; returns
/// the number of candidate forward calls and the gradient of α (if the kind has one).
fn run(mixed_op: &str, seed: u64) -> (usize, Option<Vec<f32>>) {
    let device = Device::default().autodiff();
    let net = Net {
        slots: vec![Slot::new(2, 2, 1)],
    };
    let sets = CandidateSets::mixed(mixed_op, ["CountA", "CountB", "CountC", "CountD"]);
    let c = construct(net, &sets, &device).unwrap();
    assert_eq!(c.mixed.len(), 1);
    MixedHandle::resample_all(&c.mixed, &mut StdRng::seed_from_u64(seed));
    calls();
    let y = c.model.slots[0].forward(Tensor::ones([1, 2, 3, 3], &device));
    let n = calls();
    let grads = (y.clone() * y).sum().backward();
    let grad = c.mixed[0].alpha().map(|a| {
        a.value()
            .grad(&grads)
            .expect("α has a gradient")
            .into_data()
            .try_to_vec_as::<f32>()
            .unwrap()
    });
    (n, grad)
}

fn nonzero(g: &[f32]) -> bool {
    g.iter().any(|v| v.abs() > 1e-7)
}

#[test]
fn darts_and_snas_run_every_path_and_train_alpha() {
    for op in ["DARTSMixedOp", "GumbelSumMixedOp"] {
        let (n, g) = run(op, 0);
        assert_eq!(n, 4, "{op}");
        assert!(nonzero(&g.unwrap()), "{op}");
    }
}

#[test]
fn gdas_runs_exactly_one_path_and_trains_alpha() {
    for seed in 0..5 {
        let (n, g) = run("GumbelMaxMixedOp", seed);
        assert_eq!(n, 1);
        assert!(nonzero(&g.unwrap()));
    }
}

#[test]
fn binary_gates_run_exactly_two_paths_and_train_alpha() {
    for op in ["BinaryGateMixedOp", "BinaryGateUniformMixedOp"] {
        for seed in 0..5 {
            let (n, g) = run(op, seed);
            assert_eq!(n, 2, "{op}");
            let g = g.unwrap();
            // Only the sampled pair's α moves.
            assert_eq!(g.iter().filter(|v| v.abs() > 1e-7).count(), 2, "{op} {g:?}");
        }
    }
}

#[test]
fn index_mixed_op_runs_the_chosen_path_from_a_categorical() {
    let (n, g) = run("IndexMixedOp", 0);
    assert_eq!((n, g), (1, None));
    let device = Device::default();
    let net = Net {
        slots: vec![Slot::new(2, 2, 1), Slot::new(2, 2, 1)],
    };
    let sets = CandidateSets::mixed("IndexMixedOp", ["CountA", "CountB", "CountC"]);
    let mut c = construct(net, &sets, &device).unwrap();
    assert!(matches!(
        c.space.get("slots.1").unwrap().kind(),
        ParamKind::Categorical(_)
    ));
    c.apply(&[("slots.1", "CountC")].into_iter().collect::<ArchDesc>())
        .unwrap();
    assert_eq!(c.mixed[1].active(), vec![2]);
    assert_eq!(c.mixed[0].active(), vec![0]);
    let y = c.model.slots[1].forward(Tensor::ones([1, 2, 1, 1], &device));
    assert_eq!(
        y.into_data().try_to_vec_as::<f32>().unwrap(),
        vec![2.5, 2.5]
    );
}

#[test]
fn slots_naming_one_arch_param_share_alpha() {
    let device = Device::default().autodiff();
    let spec = SlotSpec::new(2, 2, 1).with_arg("arch_param", "shared");
    let net = Net {
        slots: vec![
            Slot::from_spec(spec.clone()),
            Slot::from_spec(spec),
            Slot::new(2, 2, 1),
        ],
    };
    let c = construct(
        net,
        &CandidateSets::mixed("DARTSMixedOp", ["CountA", "CountB"]),
        &device,
    )
    .unwrap();
    assert_eq!(c.space.names().collect::<Vec<_>>(), ["shared", "slots.2"]);
    let a = c.mixed[0].alpha().unwrap();
    assert!(a.same_as(c.mixed[1].alpha().unwrap()));
    assert!(!a.same_as(c.mixed[2].alpha().unwrap()));
    // Both slots' contributions reach the one shared α.
    let x = Tensor::ones([1, 2, 1, 1], &device);
    let y = c.model.slots[1].forward(c.model.slots[0].forward(x));
    let g = a.value().grad(&y.sum().backward()).unwrap();
    assert!(nonzero(&g.into_data().try_to_vec_as::<f32>().unwrap()));
    assert_eq!(c.mixed[0].kind(), MixedKind::Weighted);
}

#[test]
fn unknown_mixed_op_lists_the_known_ones() {
    let net = Net {
        slots: vec![Slot::new(2, 2, 1)],
    };
    let err = construct(
        net,
        &CandidateSets::mixed("Nope", ["CountA"]),
        &Device::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("unknown mixed op `Nope`") && err.contains("DARTSMixedOp"),
        "{err}"
    );
}

#[test]
fn inference_model_runs_the_exported_choice() {
    let device = Device::default().autodiff();
    let net = Net {
        slots: vec![Slot::new(2, 2, 1)],
    };
    let c = construct(
        net,
        &CandidateSets::mixed("GumbelMaxMixedOp", ["CountA", "CountB"]),
        &device,
    )
    .unwrap();
    c.mixed[0].alpha().unwrap().update(|a| {
        let d = a.device();
        a + Tensor::from_floats([0.0, 3.0], &d)
    });
    let valid = c.model.valid();
    calls();
    let y = valid.slots[0].forward(Tensor::ones([1, 2, 1, 1], &Device::default()));
    assert_eq!(calls(), 1);
    assert_eq!(
        y.into_data().try_to_vec_as::<f32>().unwrap(),
        vec![1.5, 1.5]
    );
    assert_eq!(c.mixed[0].choice(), "CountB");
}

/// A mixed operator of a user's own: the mean of every candidate, α ignored.
fn mean_of_candidates(op: &MixedOp, x: Tensor<4>) -> Tensor<4> {
    let n = op.candidates().len();
    (0..n)
        .map(|i| op.run(i, x.clone()))
        .reduce(|a, b| a + b)
        .expect("a mixed operator has candidates")
        / n as f32
}
register_mixed_op!(
    /// the mean of the candidates (tests)
    "TestMeanMixedOp",
    MixedKind::Weighted,
    forward = mean_of_candidates
);

#[test]
fn a_registered_forward_pass_combines_the_candidates() {
    assert!(mixed_op_names().contains(&"TestMeanMixedOp"));
    let device = Device::default();
    let net = Net {
        slots: vec![Slot::new(2, 2, 1)],
    };
    let sets = CandidateSets::mixed("TestMeanMixedOp", ["CountA", "CountB", "CountC", "CountD"]);
    let c = construct(net, &sets, &device).unwrap();
    // The kind's handle: an α over the four candidates, as for DARTS.
    assert_eq!(c.mixed[0].alpha().map(|a| a.len()), Some(4));
    calls();
    let y = c.model.slots[0].forward(Tensor::ones([1, 2, 3, 3], &device));
    assert_eq!(calls(), 4, "every candidate ran once");
    // Candidate i multiplies by its weight w_i; the mean multiplies by their mean.
    let weights: Vec<f32> = ["CountA", "CountB", "CountC", "CountD"]
        .iter()
        .map(|name| {
            let one = construct(
                Net {
                    slots: vec![Slot::new(2, 2, 1)],
                },
                &CandidateSets::uniform([*name]),
                &device,
            )
            .unwrap();
            let out = one.model.slots[0].forward(Tensor::ones([1, 2, 3, 3], &device));
            out.into_data().try_to_vec_as::<f32>().unwrap()[0]
        })
        .collect();
    let mean = weights.iter().sum::<f32>() / 4.0;
    let got = y.into_data().try_to_vec_as::<f32>().unwrap();
    assert!(
        got.iter().all(|v| (v - mean).abs() < 1e-5),
        "{got:?} against {mean}"
    );
}
