//! Built-in candidates, registered by name: for image slots `NC1/3/5/7`, `DWC3`, `SC3/5/7`,
//! `DC3/5`, `AVG`, `MAX`, `RCB1/3`, `MB{3,5,7}E{1,3,6}` and the NAS-Bench-201 names; for dense
//! slots `LIN`, `MLP1/2/4`; for sequence slots `TEL_H{1,2,4}F{2,4}`, `C1D3/5/7`, `LSTM`,
//! `GRU`; and for all three `IDT`, `NIL`, `RELU`, `GELU`, `SILU`, and `PICK0`…`PICK7` of an
//! input choice.

mod conv_bn_relu;
mod conv_layer;
mod dense;
mod identity;
mod mbconv;
mod nb201_names;
mod pick;
mod pool;
mod recurrent;
mod relu_conv_bn;
mod sep_conv;
mod sequence;
mod zero;

pub use conv_bn_relu::{ConvBnRelu, ConvBnReluConfig};
pub use conv_layer::{batch_norm, out_size, ConvLayer};
pub use dense::{DenseActivation, DenseMlp, DenseMlpConfig};
pub use identity::{FactorizedReduce, Skip, SkipConfig};
pub use mbconv::{MBConv, MBConvConfig};
pub use nb201_names::{is_zero_op, NB201_EDGES, NB201_OPS};
pub use pick::Pick;
pub use pool::{Adapter, Pool, PoolConfig, PoolKind};
pub use recurrent::{GruOp, LstmOp};
pub use relu_conv_bn::{ReluConvBn, ReluConvBnConfig};
pub use sep_conv::{DilConv, DilConvConfig, DwPwBn, SepConv, SepConvConfig};
pub use sequence::{EncoderLayerOp, SeqConvOp};
pub use zero::Zero;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build_candidate, NasModule, SlotSpec};
    use burn::module::Module;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn configs_build_what_the_registry_builds() {
        let device = Device::default();
        let spec = SlotSpec::new(4, 8, 2);
        let x = || Tensor::<4>::ones([1, 4, 8, 8], &device);
        let check = |name: &str, params: usize, dims: [usize; 4]| {
            let op = build_candidate(name, &spec, &device).unwrap();
            assert_eq!(op.num_params(), params, "{name}");
            assert_eq!(op.forward(x()).dims(), dims, "{name}");
        };
        let nc3 = ConvBnReluConfig::for_spec(&spec, 3).init(&device).unwrap();
        check("NC3", nc3.num_params(), nc3.forward(x()).dims());
        let sc5 = SepConvConfig::new(4, 8, 5)
            .with_stride(2)
            .init(&device)
            .unwrap();
        check("SC5", sc5.num_params(), sc5.forward(x()).dims());
        let dc3 = DilConvConfig::for_spec(&spec, 3).init(&device).unwrap();
        check("DC3", dc3.num_params(), dc3.forward(x()).dims());
        let mb = MBConvConfig::for_spec(&spec, 5, 6).init(&device).unwrap();
        check("MB5E6", mb.num_params(), mb.forward(x()).dims());
        let max = PoolConfig::for_spec(&spec, true).init(&device).unwrap();
        check("MAX", max.num_params(), max.forward(x()).dims());
        let idt = SkipConfig::for_spec(&spec).init(&device).unwrap();
        check("IDT", idt.num_params(), idt.forward(x()).dims());
        let rcb = ReluConvBnConfig::new(4, 8, 3)
            .with_stride(2)
            .init(&device)
            .unwrap();
        check("RCB3", rcb.num_params(), rcb.forward(x()).dims());
    }

    #[test]
    fn candidate_configs_refuse_what_makes_no_layer_and_round_trip_through_serde() {
        let device = Device::default();
        let e = ConvBnReluConfig::new(4, 8, 3)
            .with_depthwise(true)
            .init(&device)
            .unwrap_err();
        assert!(e.to_string().contains("maps 4 to 8"), "{e}");
        assert!(SkipConfig::new(4, 4).with_stride(3).init(&device).is_err());
        let config = DilConvConfig::new(4, 8, 5).with_dilation(3);
        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<DilConvConfig>(&text).unwrap(), config);
        let defaults: DilConvConfig = toml::from_str("c_in = 4\nc_out = 8\nkernel = 5").unwrap();
        assert_eq!((defaults.stride, defaults.dilation), (1, 2));
    }
}
