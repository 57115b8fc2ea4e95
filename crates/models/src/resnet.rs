//! `ResNet` (He et al., 2016) with every 3×3 convolution of a residual block a [`Slot`]
//! (paper, Appendix G.1): depth 18 or 34 (basic blocks of two slots) or 50 (bottlenecks whose
//! middle convolution is the slot), so candidates such as `NC3`/`NC5`/`NC7` search each
//! block's kernels. Stems, 1×1 convolutions and shortcuts are fixed. Filled with `NC3`, the
//! network has the published parameter counts (ResNet-18: 11 689 512 at 1000 classes). One
//! difference from the original: a slot's candidate ends with its own ReLU, so the second
//! convolution of a basic block is activated before the residual sum.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_model, construct, CandidateSets, ModelInput, NasModule};
//! use modnas_models as _; // links the crate, whose registrations `build_model` reads
//! let device = Device::default();
//! let input = ModelInput { channels: 3, height: 8, width: 8, classes: 10 };
//! let args: toml::Table = toml::from_str("depth = 18\nwidth = 4").unwrap();
//! let net = build_model("ResNet", &args, &input, &device).unwrap();
//! let c = construct(net, &CandidateSets::uniform(["NC3", "NC5"]), &device).unwrap();
//! assert_eq!(c.space.len(), 16); // 8 basic blocks, 2 slots each
//! let logits = c.model.forward(Tensor::zeros([2, 3, 8, 8], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```

use super::conv_bn::ConvBn;
use super::head::{bad_args, check_io, pool_classify, with_head_cost, Stem};
use burn::module::Module;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use modnas_construct::nas_config;
use modnas_construct::{ConstructError, Cost, NasModule, Slot, CANDIDATES_KEY};
use serde::{Deserialize, Serialize};

/// A residual block: basic (two slots) or bottleneck (1×1, slot, 1×1).
#[derive(Module, Debug)]
pub struct ResBlock {
    reduce: Option<ConvBn>,
    slots: Vec<Slot>,
    expand: Option<ConvBn>,
    shortcut: Option<ConvBn>,
}

impl ResBlock {
    fn new(
        c_in: usize,
        width: usize,
        stride: usize,
        bottleneck: bool,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let c_out = if bottleneck { width * 4 } else { width };
        let shortcut = (stride != 1 || c_in != c_out)
            .then(|| ConvBn::new(c_in, c_out, 1, stride, device))
            .transpose()?;
        Ok(if bottleneck {
            Self {
                reduce: Some(ConvBn::new(c_in, width, 1, 1, device)?),
                slots: vec![Slot::new(width, width, stride)],
                expand: Some(ConvBn::new(width, c_out, 1, 1, device)?),
                shortcut,
            }
        } else {
            Self {
                reduce: None,
                slots: vec![Slot::new(c_in, width, stride), Slot::new(width, width, 1)],
                expand: None,
                shortcut,
            }
        })
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut y = match &self.reduce {
            Some(r) => relu(r.forward(x.clone())),
            None => x.clone(),
        };
        y = self.slots.iter().fold(y, |y, s| s.forward(y));
        if let Some(e) = &self.expand {
            y = e.forward(y);
        }
        let skip = match &self.shortcut {
            Some(s) => s.forward(x),
            None => x,
        };
        relu(y + skip)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let start = match &self.reduce {
            Some(r) => r.cost(input),
            None => Cost::new(0, input.to_vec()),
        };
        let body = start
            .clone()
            .then(Slot::chain_cost(&self.slots, &start.output));
        let body = match &self.expand {
            Some(e) => {
                let out = body.output.clone();
                body.then(e.cost(&out))
            }
            None => body,
        };
        match &self.shortcut {
            Some(s) => {
                let output = body.output.clone();
                Cost::merge([body, s.cost(input)], output)
            }
            None => body,
        }
    }
}

/// The searchable ResNet.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: ConvBn,
    stem_pool: Option<MaxPool2d>,
    blocks: Vec<ResBlock>,
    head: Linear,
}

/// The kernel-size space of every block convolution.
pub(crate) const RESNET_KERNELS: [&str; 3] = ["NC3", "NC5", "NC7"];
/// The extended space: the kernel sizes plus depthwise-separable convolutions.
pub(crate) const RESNET_EXTENDED: [&str; 6] = ["NC3", "NC5", "NC7", "SC3", "SC5", "SC7"];

/// Blocks per stage and whether they are bottlenecks, for a depth.
fn layout(depth: usize) -> Option<([usize; 4], bool)> {
    match depth {
        18 => Some(([2, 2, 2, 2], false)),
        34 => Some(([3, 4, 6, 3], false)),
        50 => Some(([3, 4, 6, 3], true)),
        _ => None,
    }
}

impl ResNet {
    /// Every slot chooses from `names` (its own set, in place of the config's default).
    pub fn with_slot_candidates(mut self, names: &[&str]) -> Self {
        let list: Vec<toml::Value> = names.iter().map(|n| toml::Value::from(*n)).collect();
        for block in &mut self.blocks {
            for slot in &mut block.slots {
                let spec = slot.spec().clone().with_arg(CANDIDATES_KEY, list.clone());
                *slot = Slot::from_spec(spec);
            }
        }
        self
    }

    /// A ResNet of `depth` (18, 34, 50) with `width` channels in its first stage, for `c_in`
    /// channels and `classes` classes. The ImageNet stem (7×7 stride 2, then 3×3 max pooling)
    /// when `imagenet_stem`, else the CIFAR stem (3×3 stride 1).
    pub(crate) fn new(
        depth: usize,
        width: usize,
        (c_in, classes): (usize, usize),
        imagenet_stem: bool,
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let (stages, bottleneck) = layout(depth)
            .ok_or_else(|| bad_args("ResNet", format!("`depth` = {depth}; allowed: 18, 34, 50")))?;
        let (kernel, stride) = if imagenet_stem { (7, 2) } else { (3, 1) };
        let stem = ConvBn::new(c_in, width, kernel, stride, device)?;
        let stem_pool = imagenet_stem.then(|| {
            MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init()
        });
        let mut blocks = vec![];
        let mut c = width;
        for (i, &n) in stages.iter().enumerate() {
            let w = width << i;
            for b in 0..n {
                let stride = if i > 0 && b == 0 { 2 } else { 1 };
                blocks.push(ResBlock::new(c, w, stride, bottleneck, device)?);
                c = if bottleneck { w * 4 } else { w };
            }
        }
        Ok(Self {
            stem,
            stem_pool,
            blocks,
            head: LinearConfig::new(c, classes).init(device),
        })
    }
}

impl NasModule for ResNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = relu(self.stem.forward(x));
        if let Some(p) = &self.stem_pool {
            x = p.forward(x);
        }
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        pool_classify(x, &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let mut cost = self.stem.cost(input);
        if self.stem_pool.is_some() {
            let o = &cost.output;
            let pooled = vec![o[0], o[1], o[2].div_ceil(2), o[3].div_ceil(2)];
            cost = cost.then(Cost::new(0, pooled));
        }
        let body = self.blocks.iter().fold(cost, |acc, b| {
            let next = b.cost(&acc.output);
            acc.then(next)
        });
        with_head_cost(body, &self.head)
    }
}

/// The slots' own candidate sets of a [`ResNet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResNetSpace {
    /// The kernels: NC3, NC5, NC7.
    Kernels,
    /// The extended set: also SC3, SC5, SC7.
    Extended,
}

/// How to build a [`ResNet`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes and image size come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResNetConfig {
    /// Channels of the input images.
    #[serde(skip)]
    pub c_in: usize,
    /// Classes of the head.
    #[serde(skip)]
    pub classes: usize,
    /// Height of the input images, which [`Stem::Auto`] reads.
    #[serde(skip)]
    pub image_size: usize,
    /// 18, 34 or 50.
    #[config(default = 18)]
    pub depth: usize,
    /// Channels of the first stage.
    #[config(default = 64)]
    pub width: usize,
    /// `"imagenet"`, `"cifar"` or `"auto"` (ImageNet for inputs of 128 pixels or more).
    #[config(default = Stem::Auto)]
    pub stem: Stem,
    /// The slots' own candidates: `"kernels"` (NC3, NC5, NC7) or `"extended"` (also SC3, SC5,
    /// SC7); without it, `construct.args.candidates` decides.
    #[config(default = None)]
    pub space: Option<ResNetSpace>,
}

impl ResNetConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<ResNet, ConstructError> {
        check_io("ResNet", self.c_in, self.classes)?;
        if self.width == 0 {
            return Err(bad_args("ResNet", "`width` must be positive"));
        }
        let imagenet = !self.stem.is_small_image(self.image_size);
        let net = ResNet::new(
            self.depth,
            self.width,
            (self.c_in, self.classes),
            imagenet,
            device,
        )?;
        Ok(match self.space {
            None => net,
            Some(ResNetSpace::Kernels) => net.with_slot_candidates(&RESNET_KERNELS),
            Some(ResNetSpace::Extended) => net.with_slot_candidates(&RESNET_EXTENDED),
        })
    }
}

crate::builtin_model::register_builtin_model!(
    /// ResNet-18/34/50 with every 3×3 block convolution a slot
    "ResNet", ResNetConfig { c_in: channels, classes: classes, image_size: height }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::NetBox;
    use modnas_construct::{construct, CandidateSets};
    use modnas_metrics::trainable_params;

    #[test]
    fn filled_with_nc3_the_published_parameter_counts_come_out() {
        let device = Device::default();
        for (depth, published) in [(18, 11_689_512), (34, 21_797_672), (50, 25_557_032)] {
            let net = ResNet::new(depth, 64, (3, 1000), true, &device).unwrap();
            let c = construct(
                NetBox::new("", net),
                &CandidateSets::uniform(["NC3"]),
                &device,
            )
            .unwrap();
            assert_eq!(trainable_params(&c.model), published, "ResNet-{depth}");
            let cost = c.model.cost(&[1, 3, 224, 224]);
            assert_eq!(cost.output, [1, 1000]);
        }
    }

    #[test]
    fn bad_depths_and_stems_are_refused() {
        let device = Device::default();
        let input = crate::head::TINY_INPUT;
        for (args, expect) in [
            ("depth = 20", "allowed: 18, 34, 50"),
            ("stem = \"tiny\"", "`stem`"),
            ("space = \"wide\"", "`kernels` or `extended`"),
            ("stem = \"tiny\"", "`imagenet`, `cifar`, `auto`"),
        ] {
            let t: toml::Table = toml::from_str(args).unwrap();
            let e = modnas_construct::build_model("ResNet", &t, &input, &device)
                .unwrap_err()
                .to_string();
            assert!(e.contains(expect), "{args}: {e}");
        }
    }

    #[test]
    fn the_extended_space_adds_separable_convolutions_to_every_slot() {
        let device = Device::default();
        let input = crate::head::TINY_INPUT;
        let args: toml::Table = toml::from_str("width = 4\nspace = \"extended\"").unwrap();
        let net = modnas_construct::build_model("ResNet", &args, &input, &device).unwrap();
        // The model's own set wins over the config's default.
        let c = construct(net, &CandidateSets::uniform(["IDT"]), &device).unwrap();
        assert_eq!(c.space.len(), 16);
        for p in c.space.iter() {
            let modnas_param_space::ParamKind::Categorical(cat) = p.kind() else {
                panic!("{} is not categorical", p.name());
            };
            let names: Vec<&str> = cat.choices().iter().filter_map(|v| v.as_str()).collect();
            assert_eq!(names, RESNET_EXTENDED);
        }
        let arch: modnas_param_space::ArchDesc =
            c.space.names().map(|n| (n.to_string(), "SC5")).collect();
        let mut c = c;
        c.apply(&arch).unwrap();
        let y = c.model.forward(Tensor::zeros([1, 3, 8, 8], &device));
        assert_eq!(y.dims(), [1, 10]);
    }

    #[test]
    fn the_config_builds_what_the_toml_args_build() {
        let device = Device::default();
        let t: toml::Table =
            toml::from_str("depth = 18\nwidth = 4\nstem = \"cifar\"\nspace = \"kernels\"").unwrap();
        let from_toml =
            modnas_construct::build_model("ResNet", &t, &crate::head::TINY_INPUT, &device).unwrap();
        let config = ResNetConfig::new(3, 10, 8)
            .with_width(4)
            .with_stem(Stem::Cifar)
            .with_space(Some(ResNetSpace::Kernels));
        let in_code = config.init(&device).unwrap();
        let sets = CandidateSets::uniform(["NC3"]);
        let a = construct(from_toml, &sets, &device).unwrap();
        let b = construct(NetBox::new("", in_code), &sets, &device).unwrap();
        assert_eq!(trainable_params(&a.model), trainable_params(&b.model));
        assert_eq!(a.space.len(), b.space.len());
        // The slots carry their own candidate lists in both.
        assert!(a.space.names().eq(b.space.names()));
    }
}
