//! Parameter and FLOP (multiply-accumulate) counts of built-in candidates match hand
//! computation.

use burn::tensor::{Device, Tensor};
use modnas::construct::{build_candidate, SlotSpec};
use modnas::metrics::trainable_params;

fn counts(name: &str, spec: &SlotSpec, input: [usize; 4]) -> (usize, u64, Vec<usize>) {
    let device = Device::default();
    let op = build_candidate(name, spec, &device).unwrap();
    let out = op.forward(Tensor::zeros(input, &device)).dims().to_vec();
    let cost = op.cost(&input);
    assert_eq!(
        cost.output, out,
        "{name}: analytic output shape matches the real one"
    );
    (trainable_params(&op), cost.macs, out)
}

#[test]
fn nc3_counts() {
    // conv 3x3, 8 -> 16, no bias: 3*3*8*16 = 1152 weights; BN: 2*16 = 32.
    // MACs at 10x10, stride 1: 1152 * 10 * 10 = 115200.
    let (params, macs, out) = counts("NC3", &SlotSpec::new(8, 16, 1), [1, 8, 10, 10]);
    assert_eq!(params, 1152 + 32);
    assert_eq!(macs, 115_200);
    assert_eq!(out, [1, 16, 10, 10]);
}

#[test]
fn nc5_counts_at_stride_two() {
    // conv 5x5, 4 -> 6: 5*5*4*6 = 600 weights; BN 12. Output 5x5 (pad 2, stride 2 on 10x10).
    // MACs: 600 * 25 = 15000.
    let (params, macs, out) = counts("NC5", &SlotSpec::new(4, 6, 2), [1, 4, 10, 10]);
    assert_eq!(params, 600 + 12);
    assert_eq!(macs, 15_000);
    assert_eq!(out, [1, 6, 5, 5]);
}

#[test]
fn mb3e6_counts() {
    // c=8, hidden 48, 8x8 input, stride 1, residual.
    // expand 1x1: 8*48 = 384 (+BN 96); dw 3x3: 48*9 = 432 (+BN 96); project 1x1: 48*8 = 384 (+BN 16).
    // params = 384 + 432 + 384 + 96 + 96 + 16 = 1408.
    // MACs = (384 + 432 + 384) * 64 = 76800.
    let (params, macs, out) = counts("MB3E6", &SlotSpec::new(8, 8, 1), [1, 8, 8, 8]);
    assert_eq!(params, 1408);
    assert_eq!(macs, 76_800);
    assert_eq!(out, [1, 8, 8, 8]);
}

#[test]
fn every_builtin_reports_its_true_output_shape() {
    use modnas::construct::{candidates_serving, construct, CandidateSets, Signature, Slot};
    let device = Device::default();
    for spec in [SlotSpec::new(4, 4, 1), SlotSpec::new(4, 8, 2)] {
        for name in candidates_serving(Signature::Image) {
            // Through the construct routine, so that a motif's own slots are filled too.
            let slot = Slot::from_spec(spec.clone());
            let c = match construct(slot, &CandidateSets::uniform([name]), &device) {
                Ok(c) => c,
                Err(e) => {
                    // Only the shape-keeping candidates refuse a slot that changes shape, and
                    // an input choice's picks need their inputs stacked.
                    let keeps_shape = ["DWC3", "RELU", "GELU", "SILU"].contains(&name)
                        || name.starts_with("Motif");
                    let pick = name.starts_with("PICK");
                    assert!(
                        pick || keeps_shape && spec.stride == 2,
                        "{name} with {spec:?}: {e}"
                    );
                    continue;
                }
            };
            let input = [2, 4, 7, 7];
            let out = c
                .model
                .forward(Tensor::zeros(input, &device))
                .dims()
                .to_vec();
            assert_eq!(c.model.cost(&input).output, out, "{name} with {spec:?}");
        }
    }
    // Dense and sequence slots: the cost speaks in the shape the replaced layer sees.
    for (slot, input) in [
        (Slot::dense(4, 4), vec![3, 4]),
        (Slot::dense(4, 6), vec![3, 4]),
        (Slot::sequence(8), vec![2, 5, 8]),
    ] {
        let signature = slot.spec().signature;
        for name in candidates_serving(signature) {
            let c = match construct(slot.clone(), &CandidateSets::uniform([name]), &device) {
                Ok(c) => c,
                Err(e) => {
                    let keeps_shape = ["RELU", "GELU", "SILU"].contains(&name);
                    let pick = name.starts_with("PICK");
                    assert!(
                        pick || keeps_shape && input == [3, 4],
                        "{name} ({signature}): {e}"
                    );
                    continue;
                }
            };
            let out: Vec<usize> = match input.as_slice() {
                [b, f] => c
                    .model
                    .forward_dense(Tensor::zeros([*b, *f], &device))
                    .dims()
                    .to_vec(),
                [b, s, d] => c
                    .model
                    .forward_seq(Tensor::zeros([*b, *s, *d], &device))
                    .dims()
                    .to_vec(),
                _ => unreachable!(),
            };
            assert_eq!(c.model.cost(&input).output, out, "{name} ({signature})");
        }
    }
}

#[test]
fn convnet_flops_sum_its_slots_and_head() {
    use modnas::construct::{construct, CandidateSets, NasModule};
    let device = Device::default();
    let net = modnas::models::ConvNetConfig::new(1, 10)
        .with_channels(vec![4, 8])
        .with_strides(vec![1, 2])
        .init(&device)
        .unwrap();
    let c = construct(net, &CandidateSets::uniform(["NC3"]), &device).unwrap();
    // NC3 1->4 on 8x8: 9*1*4*64 = 2304; NC3 4->8 at stride 2 (4x4 out): 9*4*8*16 = 4608;
    // linear head 8->10: 80.
    let cost = NasModule::cost(&c.model, &[1, 1, 8, 8]);
    assert_eq!(cost.macs, 2304 + 4608 + 80);
    assert_eq!(cost.output, [1, 10]);
    // Memory, f32 elements ×4: conv 1 reads 64 inputs and 36 weights and writes 256 outputs;
    // conv 2 reads 256 and 288, writes 128; the head reads 8 and 80, writes 10.
    assert_eq!(
        cost.mem,
        4 * ((64 + 36 + 256) + (256 + 288 + 128) + (8 + 80 + 10))
    );
    // The traversal over the net is the sum over its parts.
    let parts: u64 = modnas::construct::list_slots(&c.model)
        .iter()
        .zip([[1, 1, 8, 8], [1, 4, 8, 8]])
        .map(|(slot, input)| {
            build_candidate(
                "NC3",
                &SlotSpec::new(slot.spec.c_in, slot.spec.c_out, slot.spec.stride),
                &device,
            )
            .unwrap()
            .cost(&input)
            .mem
        })
        .sum();
    assert_eq!(cost.mem, parts + 4 * (8 + 80 + 10));
}

#[test]
fn pooling_moves_memory_without_macs() {
    // MAX at stride 2 on 4×6×6: reads 144 values, writes 4×3×3 = 36.
    let device = Device::default();
    let op = build_candidate("MAX", &SlotSpec::new(4, 4, 2), &device).unwrap();
    let cost = op.cost(&[1, 4, 6, 6]);
    assert_eq!((cost.macs, cost.mem), (0, 4 * (144 + 36)));
    let metric = modnas::metrics::build_metric("MemoryAccessMetric", &toml::Table::new()).unwrap();
    assert_eq!(metric.key(), "mem_bytes");
}
