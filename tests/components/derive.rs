//! `#[derive(NasModule)]`: a model of Burn layers and slots gets its cost without code, equal
//! to the hand-written chain of its fields' `LayerCost`s.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use modnas::construct::LayerCost;
use modnas::prelude::*;

/// A small residual network: stem, two residual slots, a strided slot, pooling and a head.
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<2>)]
struct Derived {
    stem: Conv2d,
    blocks: Vec<Slot>,
    down: Slot,
    head: Linear,
    /// Not a layer: left out of the cost.
    #[nas_module(skip)]
    width: usize,
}

impl Derived {
    fn new(width: usize, device: &Device) -> Self {
        Self {
            stem: Conv2dConfig::new([3, width], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device),
            blocks: vec![Slot::new(width, width, 1), Slot::new(width, width, 1)],
            down: Slot::new(width, 2 * width, 2),
            head: LinearConfig::new(2 * width, 10).init(device),
            width,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x);
        for block in &self.blocks {
            x = x.clone() + block.forward(x);
        }
        let x = self.down.forward(x);
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }

    /// What a user would write by hand.
    fn hand_cost(&self, input: &[usize]) -> Cost {
        let stem = self.stem.layer_cost(input);
        let blocks = self.blocks.layer_cost(&stem.output);
        let down = self.down.layer_cost(&blocks.output);
        let head = self.head.layer_cost(&down.output);
        stem.then(blocks).then(down).then(head)
    }
}

#[test]
fn a_derived_cost_equals_the_hand_written_chain_and_follows_the_chosen_candidates() {
    let device = Device::default();
    let sets = CandidateSets::uniform(["NC3", "NC5", "IDT"]);
    let c = construct(Derived::new(4, &device), &sets, &device).unwrap();
    let input = [2, 3, 8, 8];
    let derived = NasModule::cost(&c.model, &input);
    let hand = c.model.hand_cost(&input);
    assert_eq!(
        (derived.macs, derived.mem, &derived.output),
        (hand.macs, hand.mem, &hand.output)
    );
    assert_eq!(derived.output, vec![2, 10]);
    // Stem 3→4 (3×3, 8×8, batch 2) and head 8→10 alone: the slots add their candidates'.
    let fixed = 2 * 8 * 8 * 4 * 3 * 9 + 2 * 8 * 10;
    assert!(derived.macs > fixed as u64, "{}", derived.macs);
    // The forward is the struct's own, through the trait.
    let y = NasModule::forward(&c.model, Tensor::zeros(input, &device));
    assert_eq!(y.dims(), [2, 10]);
    assert_eq!(c.model.width, 4);
}

/// A gate beside the main path (squeeze-and-excitation), then one more convolution.
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<4>)]
struct Gated {
    conv: Conv2d,
    #[nas_module(branch)]
    squeeze: Linear,
    #[nas_module(branch)]
    excite: Linear,
    tail: Conv2d,
}

impl Gated {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        let [n, c, _, _] = x.dims();
        let pooled = x.clone().mean_dim(3).mean_dim(2).reshape([n, c]);
        let gate = self.excite.forward(self.squeeze.forward(pooled));
        self.tail.forward(x * gate.reshape([n, c, 1, 1]))
    }
}

#[test]
fn a_branch_adds_its_cost_and_the_main_path_goes_on_from_where_it_left() {
    let device = Device::default();
    let conv = |c_in, c_out| Conv2dConfig::new([c_in, c_out], [3, 3]).init(&device);
    let net = Gated {
        conv: conv(3, 8),
        squeeze: LinearConfig::new(8, 2).init(&device),
        excite: LinearConfig::new(2, 8).init(&device),
        tail: conv(8, 4),
    };
    let input = [1, 3, 10, 10];
    let main = net.conv.layer_cost(&input);
    let squeeze = net.squeeze.layer_cost(&main.output); // the pooled channels
    let excite = net.excite.layer_cost(&squeeze.output);
    let tail = net.tail.layer_cost(&main.output);
    let hand = Cost::merge([main.clone(), squeeze, excite], main.output.clone()).then(tail);
    let derived = NasModule::cost(&net, &input);
    assert_eq!(
        (derived.macs, derived.mem, &derived.output),
        (hand.macs, hand.mem, &hand.output)
    );
    // 3×3 valid convolutions: 10 → 8 → 6; the gate's 8·2 + 2·8 MACs are in the sum.
    assert_eq!(derived.output, vec![1, 4, 6, 6]);
    assert_eq!(
        derived.macs,
        (8 * 8 * 8 * 3 * 9 + 8 * 2 + 2 * 8 + 6 * 6 * 4 * 8 * 9) as u64
    );
    let y = NasModule::forward(&net, Tensor::zeros(input, &device));
    assert_eq!(y.dims(), [1, 4, 6, 6]);
}

/// A waveform posed as a `[1, len, 1]` image, embedded by a linear layer and run through a
/// sequence slot: the derive cannot tell that the embedding's output is a sequence.
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<2>)]
struct Waveform {
    embed: Linear,
    body: Slot,
}

impl Waveform {
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let [b, _, len, _] = x.dims();
        let h = self.embed.forward(x.reshape([b, len, 1]));
        self.body.forward_seq(h).mean_dim(1).reshape([b, 8])
    }
}

#[test]
fn a_cost_the_derive_cannot_follow_is_an_error_naming_the_model_and_field() {
    use modnas::construct::{try_cost, NetBox};
    use modnas::metrics::{ArchMetric, FlopsMetric};
    let device = Device::default();
    let net = Waveform {
        embed: LinearConfig::new(1, 8).init(&device),
        body: Slot::sequence(8),
    };
    let c = construct(net, &CandidateSets::uniform(["TEL_H2F2"]), &device).unwrap();
    let err = try_cost(&c.model, &[2, 1, 64, 1]).unwrap_err().to_string();
    assert!(
        err.contains("Waveform.body") && err.contains("[2, 8]"),
        "names the model, the field and the shape it was handed: {err}"
    );
    let net = NetBox::new("", c.model);
    let err = FlopsMetric.compute(&net, &[2, 1, 64, 1]).unwrap_err();
    assert!(err.to_string().contains("Waveform.body"), "{err}");
    // A shape the fields follow costs as before.
    let x = Tensor::<4>::zeros([2, 1, 64, 1], &device);
    assert_eq!(net.forward(x).dims(), [2, 8]);
}
