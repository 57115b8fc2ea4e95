//! The worked examples of `CONTRIBUTING.md`: a candidate, an optimizer and an estimator, each
//! registered in one declaration and tested as a contribution would be. The guide quotes this
//! file's code blocks; `the_guide_quotes_this_file` fails when the two drift apart.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::tensor::{Device, Tensor};
use modnas::core::{component_docs, MetricMap, NoArgs};
use modnas::estim::{
    register_estim, search_loop, Estim, EstimError, Estimator, SearchContext, SearchOutcome,
    TrialEstim, WithSearch,
};
use modnas::optim::{register_optim, ArchOptim, DiscreteSpace, OptimError};
use modnas::param_space::{ArchDesc, ParamSpace};
use modnas::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

// --- candidate ---
/// A plain 3×3 convolution, without batch norm or activation; its cost is derived from its
/// one field (Burn's `Conv2d`).
#[derive(Module, Debug, NasModule)]
#[nas_module(input = Tensor<4>, output = Tensor<4>)]
pub struct PlainConv3 {
    conv: Conv2d,
}

impl PlainConv3 {
    /// The convolution a slot of `spec` takes (its channels and stride).
    pub fn new(spec: &SlotSpec, device: &Device) -> Self {
        let conv = Conv2dConfig::new([spec.c_in, spec.c_out], [3, 3])
            .with_stride([spec.stride, spec.stride])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(device);
        Self { conv }
    }

    /// Convolves `x`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.conv.forward(x)
    }
}

fn plain_conv3(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "PlainConv3",
        PlainConv3::new(spec, device),
    ))
}
register_candidate!(
    /// a plain 3×3 convolution, no batch norm or activation
    "PlainConv3", plain_conv3
);

#[test]
fn the_candidate_is_built_by_name_and_counts_its_cost() {
    let _serial = crate::common::serial();
    let device = Device::default();
    let spec = SlotSpec::new(3, 8, 2);
    let op = modnas::construct::build_candidate("PlainConv3", &spec, &device).unwrap();
    let y = op.forward(Tensor::zeros([1, 3, 8, 8], &device));
    assert_eq!(y.dims(), [1, 8, 4, 4]);
    let cost = op.cost(&[1, 3, 8, 8]);
    assert_eq!(cost.output, [1, 8, 4, 4]);
    assert_eq!(cost.macs, 4 * 4 * 8 * 3 * 3 * 3);
}
// --- end candidate ---

// --- optimizer ---
/// Arguments of [`OnePlusOneOptim`].
#[nas_config]
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnePlusOneArgs {
    /// The metric to maximise.
    #[config(default = "acc".to_string())]
    pub metric: String,
}

/// (1+1) evolution: the first proposal is random, each next one the best architecture so far
/// with one parameter changed.
pub struct OnePlusOneOptim {
    space: DiscreteSpace,
    metric: String,
    best: Option<(ArchDesc, f64)>,
    rng: StdRng,
}

impl OnePlusOneOptim {
    /// The optimizer over `space`, seeded with `seed`.
    pub fn new(space: &ParamSpace, args: OnePlusOneArgs, seed: u64) -> Result<Self, OptimError> {
        Ok(Self {
            space: DiscreteSpace::from_space(space),
            metric: args.metric,
            best: None,
            rng: StdRng::seed_from_u64(seed),
        })
    }
}

impl ArchOptim for OnePlusOneOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let rng = &mut self.rng;
        Ok((0..n)
            .map(|_| match &self.best {
                Some((best, _)) => self.space.mutate_one(best, rng),
                None => self.space.sample(rng),
            })
            .collect())
    }

    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError> {
        let Some(&value) = metrics.get(&self.metric) else {
            return Err(OptimError::MissingMetric {
                optim: "OnePlusOneOptim".into(),
                metric: self.metric.clone(),
                available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        if self.best.as_ref().is_none_or(|(_, b)| value > *b) {
            self.best = Some((arch.clone(), value));
        }
        Ok(())
    }
}

register_optim!(
    /// (1+1) evolution: each proposal is the best architecture so far with one parameter changed
    "OnePlusOneOptim", |space, args: OnePlusOneArgs, seed| OnePlusOneOptim::new(space, args, seed)
);

#[test]
fn the_optimizer_climbs_to_the_best_architecture_and_refuses_unknown_keys() {
    let _serial = crate::common::serial();
    let mut space = ParamSpace::new();
    for p in ["a", "b", "c"] {
        space
            .insert(
                p,
                modnas::param_space::Categorical::new(["x", "y", "z"]).unwrap(),
            )
            .unwrap();
    }
    let args: modnas::toml::Table = modnas::toml::from_str("metric = \"score\"").unwrap();
    let mut optim = modnas::optim::build_optim("OnePlusOneOptim", &space, &args, 1).unwrap();
    // The score counts the parameters set to "z": the best architecture has all three.
    let score = |arch: &ArchDesc| arch.iter().filter(|(_, v)| v.as_str() == Some("z")).count();
    let mut best = 0;
    for _ in 0..30 {
        let arch = optim.next(1).unwrap().remove(0);
        best = best.max(score(&arch));
        let metrics = MetricMap::from([("score".to_string(), score(&arch) as f64)]);
        optim.step(&arch, &metrics).unwrap();
    }
    assert_eq!(best, 3);
    let typo: modnas::toml::Table = modnas::toml::from_str("metrc = \"score\"").unwrap();
    let err = modnas::optim::build_optim("OnePlusOneOptim", &space, &typo, 1)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("OnePlusOneOptim") && err.contains("metrc"),
        "{err}"
    );
}
// --- end optimizer ---

// --- estimator ---
/// Records each proposal's network metrics (`params`, `flops`) without training it: a
/// search by cost alone, such as the smallest network of a space.
pub struct UntrainedEstim {
    search: modnas::estim::SearchArgs,
}

impl Estim for UntrainedEstim {}

impl TrialEstim for UntrainedEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        search_loop(ctx, &self.search, |ctx, arch, _index| {
            let net = (ctx.builder)(arch)?.model;
            let [c, h, w] = ctx.data.train.shape;
            let mut metrics = MetricMap::new();
            for metric in ctx.metrics {
                metrics.insert(metric.key().into(), metric.compute(&net, &[1, c, h, w])?);
            }
            Ok(metrics)
        })
    }
}

register_estim!(
    /// each proposal's network metrics without training (set `objective` to one of them, such
    /// as `params`); 10 trials by default
    "UntrainedEstim", |args: WithSearch<NoArgs>| {
        let search = args.shared.search_args(10);
        Ok(Estimator::Trials(Box::new(UntrainedEstim { search })))
    }
);

#[test]
fn the_estimator_searches_by_cost_from_toml() {
    let _serial = crate::common::serial();
    let cfg = modnas::Config::from_toml(
        r#"
seed = 3
[data]
type = "Synthetic"
args = { n = 16, classes = 2, size = 8 }
[model]
type = "ConvNet"
args = { channels = [4, 4], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "UntrainedEstim"
args = { objective = "params", mode = "min" }
"#,
        &[],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 9, "the whole 3 × 3 grid");
    // The smallest network keeps the identity where the channels allow it.
    let best = run.outcome.best.unwrap();
    assert_eq!(
        best.arch.get("convs.1").and_then(|v| v.as_str()),
        Some("IDT")
    );
    assert!(best.metrics["params"] > 0.0 && !best.metrics.contains_key("acc"));
}
// --- end estimator ---

#[test]
fn each_example_is_listed_with_its_sentence_and_keys() {
    let _serial = crate::common::serial();
    let about = |kind: &str, name: &str| {
        let doc = component_docs(kind).into_iter().find(|d| d.name == name);
        doc.map(|d| (d.about().to_string(), d.keys().len()))
    };
    let (candidate, _) = about("candidate", "PlainConv3").unwrap();
    assert_eq!(
        candidate,
        "a plain 3×3 convolution, no batch norm or activation"
    );
    let (optim, keys) = about("optimizer", "OnePlusOneOptim").unwrap();
    assert!(
        optim.starts_with("(1+1) evolution") && keys == 1,
        "{optim} {keys}"
    );
    let (estim, keys) = about("estimator", "UntrainedEstim").unwrap();
    assert!(estim.contains("without training"), "{estim}");
    assert_eq!(keys, 6, "the shared search keys");
}

#[test]
fn the_guide_quotes_this_file() {
    let _serial = crate::common::serial();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("CONTRIBUTING.md")).unwrap();
    let this = std::fs::read_to_string(root.join("tests/search/contributing.rs")).unwrap();
    let mut blocks = 0;
    for block in guide.split("```rust\n").skip(1) {
        let code = block.split("```").next().unwrap_or_default();
        assert!(
            this.contains(code.trim_end()),
            "CONTRIBUTING.md quotes code that is not in this file:\n{code}"
        );
        blocks += 1;
    }
    assert_eq!(blocks, 3, "one block per worked example");
}
