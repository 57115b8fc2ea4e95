//! Value and input choices in a user's model: the construct routine adds their parameters,
//! update events switch what the model computes, and an input choice under a mixed operator
//! weighs its inputs.

use burn::module::Module;
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::{construct, CandidateSets, InputChoice, Slot, ValueChoice};
use modnas_param_space::ArchDesc;

/// Three dense layers, an activation named by a value choice, and a skip from any of them.
#[derive(Module, Debug)]
struct Net {
    layers: Vec<Slot>,
    act: ValueChoice,
    skip: InputChoice,
}

impl Net {
    fn new() -> Self {
        Self {
            layers: (0..3).map(|_| Slot::dense(4, 4)).collect(),
            act: ValueChoice::new("act", ["relu", "tanh"]).unwrap(),
            skip: InputChoice::dense(3, 4).unwrap(),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut outs = vec![];
        let mut h = x;
        for layer in &self.layers {
            h = layer.forward_dense(h);
            h = match self.act.as_string().as_deref() {
                Some("tanh") => h.tanh(),
                _ => relu(h),
            };
            outs.push(h.clone());
        }
        h + self.skip.forward_dense(outs)
    }
}

fn arch(pairs: &[(&str, &str)]) -> ArchDesc {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

#[test]
fn value_and_input_choices_join_the_space_and_switch_the_model() {
    let device = Device::default();
    let mut c = construct(Net::new(), &CandidateSets::uniform(["IDT"]), &device).unwrap();
    let mut names: Vec<&str> = c.space.names().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["act", "layers.0", "layers.1", "layers.2", "skip.slot"]
    );
    let x = Tensor::<2>::random([5, 4], Distribution::Default, &device).sub_scalar(0.5);
    // Identity layers: with ReLU and a skip from the first, y = relu(x) + relu(x).
    c.apply(&arch(&[("act", "relu"), ("skip.slot", "PICK0")]))
        .unwrap();
    let expected = relu(x.clone()).mul_scalar(2.0);
    c.model
        .forward(x.clone())
        .into_data()
        .assert_approx_eq::<f32>(&expected.into_data(), Default::default());
    // The update event switches the code path: three tanh in a row, and the skip from the second.
    c.apply(&arch(&[("act", "tanh"), ("skip.slot", "PICK1")]))
        .unwrap();
    let t2 = x.clone().tanh().tanh();
    let expected = t2.clone().tanh() + t2;
    c.model
        .forward(x)
        .into_data()
        .assert_approx_eq::<f32>(&expected.into_data(), Default::default());
}

#[test]
fn an_input_choice_under_darts_weighs_its_inputs() {
    let device = Device::default().autodiff();
    let choice = InputChoice::sequence(3, 4).unwrap();
    let c = construct(
        choice,
        &CandidateSets::mixed("DARTSMixedOp", ["IDT"]),
        &device,
    )
    .unwrap();
    let alpha = c.mixed[0].alpha().unwrap().clone();
    alpha.update(|a| {
        let device = a.device();
        a + Tensor::from_floats([0.0, 1.0, 2.0], &device)
    });
    let inputs: Vec<Tensor<3>> = (0..3)
        .map(|_| Tensor::random([2, 5, 4], Distribution::Default, &device))
        .collect();
    let y = c.model.forward_seq(inputs.clone());
    let w = softmax(alpha.value(), 0)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let expected = inputs
        .iter()
        .zip(&w)
        .map(|(x, w)| x.clone().mul_scalar(*w))
        .reduce(|a, b| a + b)
        .unwrap();
    y.clone()
        .into_data()
        .assert_approx_eq::<f32>(&expected.into_data(), Default::default());
    let g = alpha.value().grad(&y.sum().backward()).unwrap();
    assert!(g.abs().sum().into_scalar::<f32>() > 0.0, "α learns");
}

#[test]
fn clashing_choices_are_refused_by_name() {
    #[derive(Module, Debug)]
    struct Twice {
        a: ValueChoice,
        b: ValueChoice,
    }
    let device = Device::default();
    let clash = Twice {
        a: ValueChoice::new("act", ["relu", "tanh"]).unwrap(),
        b: ValueChoice::new("act", ["relu"]).unwrap(),
    };
    let e = construct(clash, &CandidateSets::default(), &device)
        .err()
        .unwrap();
    assert!(e.to_string().contains("`act`"), "{e}");
    #[derive(Module, Debug)]
    struct Shadow {
        layer: Slot,
        v: ValueChoice,
    }
    let shadow = Shadow {
        layer: Slot::dense(2, 2),
        v: ValueChoice::new("layer", ["x", "y"]).unwrap(),
    };
    let e = construct(shadow, &CandidateSets::uniform(["LIN"]), &device)
        .err()
        .unwrap();
    assert!(e.to_string().contains("already has"), "{e}");
    assert!(
        InputChoice::dense(9, 4).is_err(),
        "more inputs than PICK candidates"
    );
}
