//! `MobileNetV2` (Sandler et al., 2018) with the ProxylessNAS search space (paper, Appendix
//! G.1): every inverted-residual block after the first is a [`Slot`], searched over the
//! `MB{k}E{e}` candidates (kernel 3/5/7 × expansion 1/3/6). A block that keeps its shape also
//! offers `IDT`, which skips it. Filled with `MB3E6`, width 1.0 and 1000 classes, it is
//! MobileNetV2 with its published 3 504 872 parameters.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_model, construct, CandidateSets, ModelInput, NasModule};
//! use modnas_models as _; // links the crate, whose registrations `build_model` reads
//! let device = Device::default();
//! let input = ModelInput { channels: 3, height: 16, width: 16, classes: 10 };
//! let args: toml::Table = toml::from_str("width_mult = 0.25").unwrap();
//! let net = build_model("MobileNetV2", &args, &input, &device).unwrap();
//! let c = construct(net, &CandidateSets::uniform(["MB3E3", "MB5E6"]), &device).unwrap();
//! assert_eq!(c.space.len(), 16); // blocks 2..17
//! let logits = c.model.forward(Tensor::zeros([2, 3, 16, 16], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```

use super::conv_bn::ConvBn;
use super::head::{bad_args, check_io, pool_classify, with_head_cost, Stem};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu6;
use burn::tensor::{Device, Tensor};
use modnas_construct::nas_config;
use modnas_construct::{
    build_candidate, CandidateBox, ConstructError, Cost, NasModule, Slot, SlotSpec,
    EXTRA_CANDIDATES_KEY,
};
use serde::{Deserialize, Serialize};

/// Expansion, channels, blocks and stride of each stage (the first stage is the fixed block).
const STAGES: [(usize, usize, usize, usize); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];

/// `v` rounded to a multiple of 8, never 10 % below `v` (MobileNet's `_make_divisible`).
pub(crate) fn make_divisible(v: f64) -> usize {
    let r = (((v + 4.0) as usize) / 8 * 8).max(8);
    if (r as f64) < 0.9 * v {
        r + 8
    } else {
        r
    }
}

/// The searchable MobileNetV2.
#[derive(Module, Debug)]
pub struct MobileNetV2 {
    stem: ConvBn,
    first: CandidateBox,
    blocks: Vec<Slot>,
    last: ConvBn,
    head: Linear,
}

impl MobileNetV2 {
    /// A MobileNetV2 for `c_in` channels and `classes` classes with width multiplier
    /// `width_mult`. The CIFAR variant keeps the stem and the second stage at stride 1.
    /// With `skip`, blocks that keep their shape offer `IDT`.
    pub(crate) fn new(
        (c_in, classes): (usize, usize),
        width_mult: f64,
        cifar: bool,
        skip: bool,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let mut c = make_divisible(32.0 * width_mult);
        let stem = ConvBn::new(c_in, c, 3, if cifar { 1 } else { 2 }, device)?;
        let mut first = None;
        let mut blocks = vec![];
        for (i, &(t, ch, n, s)) in STAGES.iter().enumerate() {
            let c_out = make_divisible(ch as f64 * width_mult);
            let s = if cifar && i == 1 { 1 } else { s };
            for b in 0..n {
                let spec = SlotSpec::new(c, c_out, if b == 0 { s } else { 1 });
                if i == 0 {
                    // The first block is fixed (as in ProxylessNAS): expansion 1, kernel 3.
                    debug_assert_eq!(t, 1);
                    first = Some(build_candidate("MB3E1", &spec, device)?);
                } else {
                    let keeps_shape = spec.stride == 1 && spec.c_in == spec.c_out;
                    let spec = if skip && keeps_shape {
                        spec.with_arg(EXTRA_CANDIDATES_KEY, toml::Value::Array(vec!["IDT".into()]))
                    } else {
                        spec
                    };
                    blocks.push(Slot::from_spec(spec));
                }
                c = c_out;
            }
        }
        let last_c = make_divisible(1280.0 * width_mult.max(1.0));
        Ok(Self {
            stem,
            first: first.expect("the first stage has one block"),
            blocks,
            last: ConvBn::new(c, last_c, 1, 1, device)?,
            head: LinearConfig::new(last_c, classes).init(device),
        })
    }
}

impl NasModule for MobileNetV2 {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = relu6(self.stem.forward(x));
        let x = self.first.forward(x);
        let x = self.blocks.iter().fold(x, |x, s| s.forward(x));
        pool_classify(relu6(self.last.forward(x)), &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let stem = self.stem.cost(input);
        let first = self.first.cost(&stem.output);
        let body = stem.then(first);
        let body = body
            .clone()
            .then(Slot::chain_cost(&self.blocks, &body.output));
        let out = body.output.clone();
        with_head_cost(body.then(self.last.cost(&out)), &self.head)
    }
}

/// How to build a [`MobileNetV2`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes and image size come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MobileNetV2Config {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// Height of the input images, which [`Stem::Auto`] reads.
    #[serde(skip)]
    pub image_size: usize,
    /// Width multiplier.
    #[config(default = 1.0)]
    pub width_mult: f64,
    /// `"imagenet"`, `"cifar"` or `"auto"` (ImageNet strides from 128 pixels).
    #[config(default = Stem::Auto)]
    pub stem: Stem,
    /// Offer `IDT` (skip the block) where a block keeps its shape.
    #[config(default = true)]
    pub skip: bool,
}

impl MobileNetV2Config {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<MobileNetV2, ConstructError> {
        check_io("MobileNetV2", self.c_in, self.classes)?;
        if !(self.width_mult > 0.0 && self.width_mult.is_finite()) {
            return Err(bad_args(
                "MobileNetV2",
                format!("`width_mult` = {} must be positive", self.width_mult),
            ));
        }
        let cifar = self.stem.is_small_image(self.image_size);
        MobileNetV2::new(
            (self.c_in, self.classes),
            self.width_mult,
            cifar,
            self.skip,
            device,
        )
    }
}

crate::builtin_model::register_builtin_model!(
    /// MobileNetV2 with the ProxylessNAS space: inverted-residual blocks as slots over
    /// MB{3,5,7}E{1,3,6}
    "MobileNetV2", MobileNetV2Config { c_in: channels, classes: classes, image_size: height }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::NetBox;
    use modnas_construct::{construct, CandidateSets};
    use modnas_metrics::trainable_params;

    #[test]
    fn filled_with_mb3e6_it_is_mobilenet_v2() {
        let device = Device::default();
        let net = MobileNetV2::new((3, 1000), 1.0, false, true, &device).unwrap();
        let c = construct(
            NetBox::new("", net),
            &CandidateSets::uniform(["MB3E6"]),
            &device,
        )
        .unwrap();
        assert_eq!(trainable_params(&c.model), 3_504_872);
        assert_eq!(c.model.cost(&[1, 3, 224, 224]).output, [1, 1000]);
        // Blocks that keep their shape may be skipped: 10 of the 16 searched blocks.
        let skippable = c
            .space
            .iter()
            .filter(|p| match p.kind() {
                modnas_param_space::ParamKind::Categorical(c) => {
                    c.choices().contains(&"IDT".into())
                }
                _ => false,
            })
            .count();
        assert_eq!((c.space.len(), skippable), (16, 10));
    }

    #[test]
    fn channel_counts_round_to_multiples_of_eight() {
        assert_eq!(
            [
                make_divisible(32.0 * 0.25),
                make_divisible(24.0 * 0.35),
                make_divisible(96.0 * 0.5)
            ],
            [8, 8, 48]
        );
    }
}
