//! Elastic layers in a user's own model: a small transformer whose feed-forward widths are
//! `ElasticLinear`s, whose depth is an `ElasticHandle` over its own `Vec` of blocks and whose
//! attention is a sequence slot. The construct routine finds the handles, parameter updates
//! reshape the model, and the exported sub-network computes what the supernet computes.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::{construct, CandidateSets, ElasticHandle, ElasticLinear, Slot};
use modnas_param_space::{ArchDesc, ParamValue};

const DIM: usize = 8;

#[derive(Module, Debug)]
struct Block {
    mixer: Slot,
    up: ElasticLinear,
    down: ElasticLinear,
}

#[derive(Module, Debug)]
struct Net {
    blocks: Vec<Block>,
    depth: ElasticHandle,
}

impl Net {
    fn new(device: &Device) -> Self {
        let blocks = (0..3)
            .map(|i| {
                let ffn = ElasticHandle::new(&format!("blocks.{i}.ffn"), &[4, 2, 1]).unwrap();
                Block {
                    mixer: Slot::sequence(DIM),
                    up: ElasticLinear::new(DIM, DIM, ffn, device).unwrap(),
                    down: ElasticLinear::fixed(4 * DIM, DIM, device),
                }
            })
            .collect();
        Self {
            blocks,
            depth: ElasticHandle::new("depth", &[3, 2, 1]).unwrap(),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.depth
            .active_prefix(&self.blocks)
            .iter()
            .fold(x, |x, b| {
                let h = b.mixer.forward_seq(x);
                h.clone() + b.down.forward(relu(b.up.forward(h)))
            })
    }

    /// The active sub-network with plain Burn layers.
    fn export(&self) -> Plain {
        Plain {
            blocks: self
                .depth
                .active_prefix(&self.blocks)
                .iter()
                .map(|b| PlainBlock {
                    mixer: b.mixer.clone(),
                    up: b.up.export_active(DIM),
                    down: b.down.export_active(b.up.width()),
                })
                .collect(),
        }
    }
}

#[derive(Module, Debug)]
struct PlainBlock {
    mixer: Slot,
    up: Linear,
    down: Linear,
}

#[derive(Module, Debug)]
struct Plain {
    blocks: Vec<PlainBlock>,
}

impl Plain {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.blocks.iter().fold(x, |x, b| {
            let h = b.mixer.forward_seq(x);
            h.clone() + b.down.forward(relu(b.up.forward(h)))
        })
    }
}

#[test]
fn a_users_transformer_reshapes_with_its_parameters_and_exports_the_same_function() {
    let device = Device::default();
    let sets = CandidateSets::uniform(["C1D3", "IDT", "TEL_H2F2"]);
    let mut c = construct(Net::new(&device), &sets, &device).unwrap();
    let names: Vec<&str> = c.space.names().collect();
    for p in [
        "blocks.0.mixer",
        "blocks.2.mixer",
        "depth",
        "blocks.0.ffn",
        "blocks.2.ffn",
    ] {
        assert!(names.contains(&p), "{p} in {names:?}");
    }
    let x = Tensor::<3>::random([2, 5, DIM], Distribution::Default, &device);
    let full_params = c.model.export().num_params();
    let arch: ArchDesc = [
        ("depth", ParamValue::from(2i64)),
        ("blocks.0.ffn", 1i64.into()),
        ("blocks.1.ffn", 2i64.into()),
        ("blocks.1.mixer", "IDT".into()),
    ]
    .into_iter()
    .collect();
    c.apply(&arch).unwrap();
    assert_eq!(c.model.blocks[0].up.width(), DIM);
    assert_eq!(c.model.blocks[1].up.width(), 2 * DIM);
    let plain = c.model.export();
    assert_eq!(plain.blocks.len(), 2, "depth 2");
    assert!(plain.num_params() < full_params);
    let y = c.model.forward(x.clone());
    y.into_data()
        .assert_approx_eq::<f32>(&plain.forward(x).into_data(), Default::default());
}

#[test]
fn inactive_feed_forward_units_get_no_gradient() {
    let device = Device::default().autodiff();
    let mut c = construct(Net::new(&device), &CandidateSets::uniform(["IDT"]), &device).unwrap();
    c.apply(&[("blocks.0.ffn", 1i64)].into_iter().collect::<ArchDesc>())
        .unwrap();
    let x = Tensor::<3>::random([2, 5, DIM], Distribution::Default, &device);
    let grads = c.model.forward(x).sum().backward();
    let up = &c.model.blocks[0].up;
    let g = up.full().weight.val().grad(&grads).unwrap();
    let active = g
        .clone()
        .slice([0..DIM, 0..DIM])
        .abs()
        .sum()
        .into_scalar::<f32>();
    let inactive = g
        .slice([0..DIM, DIM..4 * DIM])
        .abs()
        .sum()
        .into_scalar::<f32>();
    assert!(active > 0.0 && inactive == 0.0, "{active} {inactive}");
}
