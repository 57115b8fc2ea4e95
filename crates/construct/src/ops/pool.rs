//! `AVG` / `MAX`: 3×3 average or max pooling; a 1×1 conv-BN adapts the channels when the
//! slot's input and output channels differ.

use super::conv_layer::{batch_norm, out_size, ConvLayer};
use crate::kernels::batch_norm_forward;
use crate::{
    nas_config, register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use burn::module::Module;
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// 1×1 convolution → batch norm, used to change the channel count.
#[derive(Module, Debug)]
pub struct Adapter {
    conv: ConvLayer,
    bn: BatchNorm,
}

impl Adapter {
    fn new(c_in: usize, c_out: usize, device: &Device) -> Result<Self, ConstructError> {
        Ok(Self {
            conv: ConvLayer::new(c_in, c_out, 1, 1, 1, 1, device)?,
            bn: batch_norm(c_out, device),
        })
    }
}

/// The two pooling kinds.
#[derive(Module, Debug)]
pub enum PoolKind {
    /// Average pooling (padding excluded from the mean).
    Avg(AvgPool2d),
    /// Max pooling.
    Max(MaxPool2d),
}

/// 3×3 pooling with the slot's stride, then an optional channel [`Adapter`].
#[derive(Module, Debug)]
pub struct Pool {
    pool: PoolKind,
    adapter: Option<Adapter>,
    stride: usize,
}

/// How to build a [`Pool`]: `PoolConfig::new(4, 4, true).with_stride(2).init(&device)`.
#[nas_config]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// Input channels.
    pub c_in: usize,
    /// Output channels; a 1×1 conv-BN adapts the pooled input when they differ.
    pub c_out: usize,
    /// Max pooling (else average pooling).
    pub max: bool,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
}

impl PoolConfig {
    /// Average (`max == false`) or max pooling for a slot of `spec`.
    pub fn for_spec(spec: &SlotSpec, max: bool) -> Self {
        Self::new(spec.c_in, spec.c_out, max).with_stride(spec.stride)
    }

    /// The layer, or why these sizes make none.
    pub fn init(&self, device: &Device) -> Result<Pool, ConstructError> {
        let Self {
            c_in,
            c_out,
            max,
            stride,
        } = *self;
        if stride == 0 {
            return Err(ConstructError::InvalidSpec(
                "pooling stride must be positive".into(),
            ));
        }
        let s = [stride; 2];
        let pad = PaddingConfig2d::Explicit(1, 1, 1, 1);
        let pool = if max {
            PoolKind::Max(
                MaxPool2dConfig::new([3, 3])
                    .with_strides(s)
                    .with_padding(pad)
                    .init(),
            )
        } else {
            PoolKind::Avg(
                AvgPool2dConfig::new([3, 3])
                    .with_strides(s)
                    .with_padding(pad)
                    .with_count_include_pad(false)
                    .init(),
            )
        };
        let adapter = (c_in != c_out)
            .then(|| Adapter::new(c_in, c_out, device))
            .transpose()?;
        Ok(Pool {
            pool,
            adapter,
            stride,
        })
    }
}

impl NasModule for Pool {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = match &self.pool {
            PoolKind::Avg(p) => p.forward(x),
            PoolKind::Max(p) => p.forward(x),
        };
        match &self.adapter {
            Some(a) => batch_norm_forward(&a.bn, a.conv.forward(y)),
            None => y,
        }
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let pooled = vec![
            input[0],
            input[1],
            out_size(input[2], 3, self.stride, 1),
            out_size(input[3], 3, self.stride, 1),
        ];
        let traffic =
            crate::f32_bytes(input.iter().product::<usize>() + pooled.iter().product::<usize>());
        let pool = Cost::new(0, pooled.clone()).with_mem(traffic);
        match &self.adapter {
            Some(a) => pool.then(a.conv.cost(&pooled)),
            None => pool,
        }
    }
}

fn avg(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "AVG",
        PoolConfig::for_spec(s, false).init(d)?,
    ))
}
fn max(s: &SlotSpec, d: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new(
        "MAX",
        PoolConfig::for_spec(s, true).init(d)?,
    ))
}
register_candidate!(
    /// 3×3 average pooling (+ 1×1 conv-BN where channels change)
    "AVG", avg
);
register_candidate!(
    /// 3×3 max pooling (+ 1×1 conv-BN where channels change)
    "MAX", max
);
