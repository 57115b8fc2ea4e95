//! `MobileNetV2Elastic`: the once-for-all space over MobileNetV2 (OFA; paper, G.1). Kernels
//! are fixed at 3×3; every inverted-residual block after the first is an
//! [`ElasticSpatialGroup`] whose expansion ratio is a parameter (`s{stage}.b{block}.ratio`,
//! choices `ratios`, largest first), and each of the five middle stages is an
//! [`ElasticSequentialGroup`] of `max_depth` blocks whose depth is a parameter
//! (`s{stage}.depth`, `max_depth` down to 1). The initial values are the largest network.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{construct, CandidateSets, NasModule};
//! use modnas_models::{MobileNetV2ElasticConfig, Stem};
//! let device = Device::default();
//! let net = MobileNetV2ElasticConfig::new(3, 10, 16)
//!     .with_width_mult(0.25)
//!     .with_stem(Stem::Cifar)
//!     .with_max_depth(2)
//!     .with_ratios(vec![6, 3])
//!     .init(&device)
//!     .unwrap();
//! let c = construct(net, &CandidateSets::default(), &device).unwrap();
//! assert_eq!(c.space.len(), 5 * (1 + 2) + 1); // per stage a depth and 2 ratios; the last block
//! assert_eq!(NasModule::forward(&c.model, Tensor::zeros([1, 3, 16, 16], &device)).dims(), [1, 10]);
//! ```

use super::conv_bn::ConvBn;
use super::head::{bad_args, check_io, pool_classify, with_head_cost, Stem};
use super::mobilenet_v2::make_divisible;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu6;
use burn::tensor::{Device, Tensor};
use modnas_construct::nas_config;
use modnas_construct::{
    build_candidate, CandidateBox, ChannelOrder, ConstructError, Cost, ElasticHandle,
    ElasticSequentialGroup, ElasticSpatialGroup, NasModule, SlotSpec,
};
use serde::{Deserialize, Serialize};

/// Channels and stride of the five elastic stages, then of the last block.
const STAGES: [(usize, usize); 6] = [(24, 2), (32, 2), (64, 2), (96, 1), (160, 2), (320, 1)];

/// The once-for-all MobileNetV2.
#[derive(Module, Debug)]
pub struct MobileNetV2Elastic {
    stem: ConvBn,
    first: CandidateBox,
    stages: Vec<ElasticSequentialGroup>,
    last_block: CandidateBox,
    last: ConvBn,
    head: Linear,
}

impl MobileNetV2Elastic {
    /// A network for `c_in` channels and `classes` classes at `width_mult`, with `max_depth`
    /// blocks per elastic stage and expansion ratios `ratios` (largest first). The CIFAR
    /// variant keeps the stem and the first elastic stage at stride 1.
    pub(crate) fn new(
        (c_in, classes): (usize, usize),
        width_mult: f64,
        cifar: bool,
        max_depth: usize,
        ratios: &[i64],
        device: &Device,
    ) -> Result<Self, ConstructError> {
        let depths: Vec<i64> = (1..=max_depth as i64).rev().collect();
        let mut c = make_divisible(32.0 * width_mult);
        let stem = ConvBn::new(c_in, c, 3, if cifar { 1 } else { 2 }, device)?;
        let c_first = make_divisible(16.0 * width_mult);
        let first = build_candidate("MB3E1", &SlotSpec::new(c, c_first, 1), device)?;
        c = c_first;
        let mut stages = vec![];
        let mut last_block = None;
        for (i, &(ch, s)) in STAGES.iter().enumerate() {
            let c_out = make_divisible(ch as f64 * width_mult);
            let s = if cifar && i == 0 { 1 } else { s };
            let stage = i + 1;
            if stage == STAGES.len() {
                let ratio = ElasticHandle::new(&format!("s{stage}.b0.ratio"), ratios)?;
                let block = ElasticSpatialGroup::inverted_residual(c, c_out, s, 3, ratio, device)?;
                last_block = Some(CandidateBox::new("block", block));
                c = c_out;
                break;
            }
            let mut blocks = vec![];
            for b in 0..max_depth {
                let ratio = ElasticHandle::new(&format!("s{stage}.b{b}.ratio"), ratios)?;
                let (c_b, s_b) = if b == 0 { (c, s) } else { (c_out, 1) };
                let block =
                    ElasticSpatialGroup::inverted_residual(c_b, c_out, s_b, 3, ratio, device)?;
                blocks.push(CandidateBox::new("block", block));
            }
            let depth = ElasticHandle::new(&format!("s{stage}.depth"), &depths)?;
            stages.push(ElasticSequentialGroup::new(blocks, depth)?);
            c = c_out;
        }
        let last_c = make_divisible(1280.0 * width_mult.max(1.0));
        Ok(Self {
            stem,
            first,
            stages,
            last_block: last_block.expect("the last stage has one block"),
            last: ConvBn::new(c, last_c, 1, 1, device)?,
            head: LinearConfig::new(last_c, classes).init(device),
        })
    }

    /// The elastic stages.
    pub fn stages(&self) -> &[ElasticSequentialGroup] {
        &self.stages
    }
}

impl NasModule for MobileNetV2Elastic {
    type Input = Tensor<4>;
    type Output = Tensor<2>;

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.first.forward(relu6(self.stem.forward(x)));
        let x = self.stages.iter().fold(x, |x, s| s.forward(x));
        let x = self.last_block.forward(x);
        pool_classify(relu6(self.last.forward(x)), &self.head)
    }

    fn cost(&self, input: &[usize]) -> Cost {
        let stem = self.stem.cost(input);
        let first = self.first.cost(&stem.output);
        let mut body = stem.then(first);
        for s in &self.stages {
            let next = s.cost(&body.output);
            body = body.then(next);
        }
        let block = self.last_block.cost(&body.output);
        let body = body.then(block);
        let out = body.output.clone();
        with_head_cost(body.then(self.last.cost(&out)), &self.head)
    }

    fn reorder_channels(&mut self, by: ChannelOrder) {
        for s in &mut self.stages {
            s.reorder_channels(by);
        }
        self.last_block.reorder_channels(by);
    }

    fn export_active(&self) -> Option<Self> {
        Some(Self {
            stem: self.stem.clone(),
            first: self.first.export_active(),
            stages: self.stages.iter().map(|s| s.export_active()).collect(),
            last_block: self.last_block.export_active(),
            last: self.last.clone(),
            head: self.head.clone(),
        })
    }
}

/// How to build a [`MobileNetV2Elastic`]; its serde form is the model's TOML `[model.args]`, where the
/// input channels and classes and image size come from the data.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MobileNetV2ElasticConfig {
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
    /// Blocks per elastic stage; the depth parameters choose from `max_depth` down to 1.
    #[config(default = 4)]
    pub max_depth: usize,
    /// Expansion ratios of every block, largest first.
    #[config(default = vec![6, 3, 1])]
    pub ratios: Vec<i64>,
}

impl MobileNetV2ElasticConfig {
    /// The net, or which setting is wrong.
    pub fn init(&self, device: &Device) -> Result<MobileNetV2Elastic, ConstructError> {
        check_io("MobileNetV2Elastic", self.c_in, self.classes)?;
        let bad = |reason: String| bad_args("MobileNetV2Elastic", reason);
        if !(self.width_mult > 0.0 && self.width_mult.is_finite()) || self.max_depth == 0 {
            return Err(bad(format!(
                "`width_mult` = {} must be positive and `max_depth` = {} at least 1",
                self.width_mult, self.max_depth
            )));
        }
        if self.ratios.first() != self.ratios.iter().max() {
            return Err(bad(format!(
                "`ratios` = {:?} must start with the largest, the network the search starts from",
                self.ratios
            )));
        }
        let cifar = self.stem.is_small_image(self.image_size);
        MobileNetV2Elastic::new(
            (self.c_in, self.classes),
            self.width_mult,
            cifar,
            self.max_depth,
            &self.ratios,
            device,
        )
    }
}

crate::builtin_model::register_builtin_model!(
    /// once-for-all MobileNetV2: elastic expansion ratio per block and depth per stage, kernels 3×3
    "MobileNetV2Elastic", MobileNetV2ElasticConfig { c_in: channels, classes: classes, image_size: height }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, CandidateSets};
    use modnas_param_space::ArchDesc;

    #[test]
    fn shrinking_depth_and_ratios_shrinks_the_active_network() {
        let device = Device::default();
        let net = MobileNetV2Elastic::new((3, 10), 0.25, true, 3, &[6, 3, 1], &device).unwrap();
        let mut c = construct(net, &CandidateSets::default(), &device).unwrap();
        assert_eq!(c.space.len(), 5 * (1 + 3) + 1);
        let input = [1, 3, 16, 16];
        let full = NasModule::cost(&c.model, &input).macs;
        let mut arch = ArchDesc::new();
        for stage in 1..=5 {
            arch.insert(format!("s{stage}.depth"), 1i64);
            arch.insert(format!("s{stage}.b0.ratio"), 1i64);
        }
        c.apply(&arch).unwrap();
        assert!(c.model.stages().iter().all(|s| s.active_depth() == 1));
        let small = NasModule::cost(&c.model, &input).macs;
        assert!(small * 3 < full, "{small} vs {full}");
        let y = NasModule::forward(&c.model, Tensor::zeros(input, &device));
        assert_eq!(y.dims(), [1, 10]);
    }

    #[test]
    fn an_exported_subnet_computes_what_the_supernet_computes_at_its_configuration() {
        use burn::tensor::Distribution;
        use modnas_metrics::trainable_params;
        let device = Device::default().autodiff();
        device.seed(5);
        let net = MobileNetV2Elastic::new((3, 10), 0.25, true, 2, &[6, 3, 1], &device).unwrap();
        let mut c = construct(net, &CandidateSets::default(), &device).unwrap();
        let mut arch = ArchDesc::new();
        for stage in 1..=5 {
            arch.insert(
                format!("s{stage}.depth"),
                if stage % 2 == 0 { 1i64 } else { 2 },
            );
            arch.insert(format!("s{stage}.b0.ratio"), 3i64);
            arch.insert(format!("s{stage}.b1.ratio"), 1i64);
        }
        c.apply(&arch).unwrap();
        // A training pass gives the active batch norms statistics of their own.
        let x = Tensor::<4>::random([4, 3, 16, 16], Distribution::Normal(0.0, 1.0), &device);
        let _ = NasModule::forward(&c.model, x.clone());
        let subnet = NasModule::export_active(&c.model).expect("an elastic model exports");
        let x = x.inner();
        let expect = NasModule::forward(&c.model.valid(), x.clone());
        let got = NasModule::forward(&subnet.valid(), x);
        let diff: f32 = (got - expect).abs().max().into_scalar();
        assert!(diff < 1e-5, "{diff}");
        assert!(subnet
            .stages()
            .iter()
            .map(|s| s.blocks().len())
            .eq([2, 1, 2, 1, 2]));
        let (sub, sup) = (trainable_params(&subnet), trainable_params(&c.model));
        assert!(sub < sup, "{sub} vs {sup}");
        // Its space allows only the exported values.
        let again = construct(subnet, &CandidateSets::default(), &device).unwrap();
        assert!(again.space.iter().all(|p| match p.kind() {
            modnas_param_space::ParamKind::Categorical(c) => c.len() == 1,
            _ => false,
        }));
    }
}
