//! ONNX export: Burn's forward captured, written as ONNX and run in tract, an ONNX runtime
//! modnas does not contain; outputs equal Burn's within 1e-4 on a seeded input. Built-in
//! networks export with their default candidates; an operation without an ONNX mapping is
//! refused by name.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, AvgPool2d, AvgPool2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::nn::{Gelu, PaddingConfig2d};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor};
use modnas::construct::{build_model, construct, CandidateSets, ModelInput, NetBox};
use modnas::export::{export_onnx, ExportError, OnnxExport};

const TOLERANCE: f32 = 1e-4;

/// Convolutions (strided, grouped, dilated), batch norm, the pools and a linear head.
#[derive(Module, Debug)]
struct ConvStack {
    conv: Conv2d,
    depthwise: Conv2d,
    dilated: Conv2d,
    norm: BatchNorm,
    max: MaxPool2d,
    avg: AvgPool2d,
    global: AdaptiveAvgPool2d,
    head: Linear,
}

impl ConvStack {
    fn new(device: &Device) -> Self {
        Self {
            conv: Conv2dConfig::new([3, 8], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            depthwise: Conv2dConfig::new([8, 8], [3, 3])
                .with_groups(8)
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .init(device),
            dilated: Conv2dConfig::new([8, 8], [3, 3])
                .with_dilation([2, 2])
                .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
                .init(device),
            norm: BatchNormConfig::new(8).init(device),
            max: MaxPool2dConfig::new([3, 3])
                .with_strides([1, 1])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
            avg: AvgPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            global: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            head: LinearConfig::new(8, 5).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = relu(self.conv.forward(x));
        let branches = self.depthwise.forward(x.clone()) + self.dilated.forward(x);
        let x = self.norm.forward(branches);
        let x = self.avg.forward(self.max.forward(x));
        let x = self.global.forward(x).flatten::<2>(1, 3);
        softmax(self.head.forward(x), 1)
    }
}

/// A transformer-style block: layer norm, attention scores by matmul, GELU, residuals.
#[derive(Module, Debug)]
struct SequenceBlock {
    norm: LayerNorm,
    query: Linear,
    key: Linear,
    mlp: Linear,
    gelu: Gelu,
}

impl SequenceBlock {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let h = self.norm.forward(x.clone());
        let (q, k) = (self.query.forward(h.clone()), self.key.forward(h.clone()));
        let scores = softmax(q.matmul(k.swap_dims(1, 2)) / 4.0, 2);
        let mixed = scores.matmul(h) + x;
        let out = self.gelu.forward(self.mlp.forward(mixed.clone()));
        out.slice([0..2, 1..5, 0..16])
            .mean_dim(2)
            .expand([2, 4, 16])
            + mixed.narrow(1, 1, 4)
    }
}

#[test]
fn convolutions_norms_pools_and_a_linear_head_match_burn_in_tract() {
    let device = Device::default();
    device.seed(3);
    let net = ConvStack::new(&device);
    let export = export_onnx(&net, [2, 3, 16, 16], "conv_stack", |m, x| m.forward(x)).unwrap();
    assert!(export.max_abs_diff < TOLERANCE, "{}", export.max_abs_diff);
    assert!(export.max_abs_output > 1e-3, "{}", export.max_abs_output);
    assert!(export.nodes >= 9, "{} nodes", export.nodes);
}

#[test]
fn layer_norm_matmul_gelu_softmax_and_slicing_match_burn_in_tract() {
    let device = Device::default();
    device.seed(4);
    let block = SequenceBlock {
        norm: LayerNormConfig::new(16).init(&device),
        query: LinearConfig::new(16, 16).init(&device),
        key: LinearConfig::new(16, 16).init(&device),
        mlp: LinearConfig::new(16, 16).init(&device),
        gelu: Gelu::new(),
    };
    let export = export_onnx(&block, [2, 6, 16], "block", |m, x| m.forward(x)).unwrap();
    assert!(export.max_abs_diff < TOLERANCE, "{}", export.max_abs_diff);
    assert!(export.max_abs_output > 1e-3, "{}", export.max_abs_output);
}

/// A built-in network with its first candidates (from `candidates` where the model names
/// none), exported and checked.
fn export_builtin(model: &str, args: &str, candidates: &[&str], input: [usize; 4]) -> OnnxExport {
    let device = Device::default();
    device.seed(5);
    let shape = ModelInput {
        channels: input[1],
        height: input[2],
        width: input[3],
        classes: 10,
    };
    let args: toml::Table = toml::from_str(args).unwrap();
    let net = build_model(model, &args, &shape, &device).unwrap();
    let sets = if candidates.is_empty() {
        CandidateSets::default()
    } else {
        CandidateSets::uniform(candidates.iter().copied())
    };
    let net: NetBox = construct(net, &sets, &device)
        .unwrap_or_else(|e| panic!("{model}: {e}"))
        .model;
    export_onnx(&net, input, model, |m, x| m.forward(x)).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// NAS-Bench-201's operations, a convolution first (every edge takes the first).
const NB201: [&str; 4] = [
    "nor_conv_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "nor_conv_1x1",
];
/// DARTS's operations, a separable convolution first.
const DARTS: [&str; 7] = ["SC3", "DC3", "MAX", "AVG", "IDT", "SC5", "DC5"];

#[test]
fn built_in_networks_export_and_match_burn_in_tract() {
    for (model, args, candidates, input) in [
        ("ConvNet", "", &["SC3", "NC3"][..], [1, 1, 12, 12]),
        (
            "NB201Net",
            "channels = 8\ncells = 1",
            &NB201,
            [1, 3, 16, 16],
        ),
        (
            "MobileNetV2",
            "width_mult = 0.25",
            &["MB5E6", "MB3E3"],
            [1, 3, 16, 16],
        ),
        (
            "ResNet",
            "depth = 18\nwidth = 8",
            &["NC5", "SC3"],
            [1, 3, 16, 16],
        ),
        (
            "DARTSNet",
            "channels = 8\nlayers = 3",
            &DARTS,
            [1, 3, 16, 16],
        ),
        ("RowTransformer", "", &[], [1, 1, 8, 8]),
    ] {
        let export = export_builtin(model, args, candidates, input);
        let (diff, scale) = (export.max_abs_diff, export.max_abs_output);
        eprintln!(
            "{model}: {} nodes, max |Δ| = {diff:.2e}, max |y| = {scale:.3}",
            export.nodes
        );
        assert!(diff < TOLERANCE, "{model}: max |Δ| = {diff}");
        assert!(
            scale > 1e-3,
            "{model}: a vanishing output ({scale}) would compare equal anyway"
        );
    }
}

/// A forward pass with an operation the ONNX writer does not map (a cumulative product).
#[derive(Module, Debug)]
struct CumulativeProduct;

#[test]
fn an_operation_without_an_onnx_mapping_is_refused_by_name() {
    let err = export_onnx(&CumulativeProduct, [1, 4], "cumprod", |_, x: Tensor<2>| {
        x.cumprod(1)
    })
    .unwrap_err();
    match &err {
        ExportError::Unsupported { op, .. } => assert_eq!(op, "NumericFloat/CumProd", "{err}"),
        other => panic!("expected a refusal by name, got {other}"),
    }
    assert!(err.to_string().contains("CumProd"), "{err}");
}
