//! Sequence slots over padded and causal batches: every sequence candidate, alone and mixed,
//! gives a padded sequence at its real steps what it gives the sequence alone, and under a
//! causal mask no step sees a later one.

use burn::module::Module;
use burn::tensor::{Bool, Device, Distribution, Tensor, TensorData};
use modnas_construct::{construct, CandidateSets, SeqMask, Slot};

/// Two sequence slots one after the other: padding must stay out of the second one too.
#[derive(Module, Debug)]
struct TwoLayers {
    first: Slot,
    second: Slot,
}

impl TwoLayers {
    fn forward(&self, x: Tensor<3>, mask: Option<&SeqMask>) -> Tensor<3> {
        match mask {
            Some(m) => self
                .second
                .forward_seq_masked(self.first.forward_seq_masked(x, m), m),
            None => self.second.forward_seq(self.first.forward_seq(x)),
        }
    }
}

const DIM: usize = 8;

fn candidate_sets() -> Vec<CandidateSets> {
    let mut sets: Vec<CandidateSets> = ["TEL_H2F2", "C1D5", "LSTM", "GRU", "LIN"]
        .into_iter()
        .map(|c| CandidateSets::uniform([c]))
        .collect();
    sets.push(CandidateSets::mixed(
        "DARTSMixedOp",
        ["TEL_H2F2", "C1D3", "LSTM", "IDT"],
    ));
    sets
}

/// The net of `sets`, in inference mode (no dropout), on `device`.
fn net(sets: &CandidateSets, device: &Device) -> TwoLayers {
    device.seed(7);
    let model = TwoLayers {
        first: Slot::sequence(DIM),
        second: Slot::sequence(DIM),
    };
    construct(model, sets, device).unwrap().model.valid()
}

fn max_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

#[test]
fn a_padded_batch_gives_each_sequence_what_it_gives_alone() {
    let device = Device::default();
    let lengths = [6usize, 3];
    let seqs: Vec<Tensor<3>> = lengths
        .iter()
        .map(|&n| Tensor::random([1, n, DIM], Distribution::Default, &device))
        .collect();
    // Padded with a value far from the data, so a leak would show.
    let padded = Tensor::cat(
        seqs.iter()
            .zip(lengths)
            .map(|(s, n)| {
                Tensor::cat(
                    vec![s.clone(), Tensor::full([1, 6 - n, DIM], 9.0, &device)],
                    1,
                )
            })
            .collect(),
        0,
    );
    let pad: Vec<bool> = lengths
        .iter()
        .flat_map(|&n| (0..6).map(move |t| t >= n))
        .collect();
    let mask = SeqMask::padding(Tensor::<2, Bool>::from_data(
        TensorData::new(pad, [2, 6]),
        &device,
    ));
    for sets in candidate_sets() {
        let net = net(&sets, &device);
        let y = net.forward(padded.clone(), Some(&mask));
        for (i, (seq, n)) in seqs.iter().zip(lengths).enumerate() {
            let alone = net.forward(seq.clone(), None);
            let real = y.clone().slice([i..i + 1, 0..n, 0..DIM]);
            let d = max_diff(real, alone);
            assert!(
                d < 1e-4,
                "{:?}: sequence {i} differs by {d}",
                sets.candidates
            );
            let tail = y.clone().slice([i..i + 1, n..6, 0..DIM]);
            if n < 6 {
                assert_eq!(
                    tail.abs().max().into_scalar::<f32>(),
                    0.0,
                    "padded steps are zero"
                );
            }
        }
    }
}

#[test]
fn under_a_causal_mask_no_step_sees_a_later_one() {
    let device = Device::default();
    let x = Tensor::<3>::random([2, 6, DIM], Distribution::Default, &device);
    for sets in candidate_sets() {
        let net = net(&sets, &device);
        let full = net.forward(x.clone(), Some(&SeqMask::causal(2, 6, &device)));
        for t in [1usize, 4] {
            let prefix = x.clone().slice([0..2, 0..t, 0..DIM]);
            let y = net.forward(prefix, Some(&SeqMask::causal(2, t, &device)));
            let d = max_diff(full.clone().slice([0..2, 0..t, 0..DIM]), y);
            assert!(
                d < 1e-4,
                "{:?}: the first {t} steps differ by {d}",
                sets.candidates
            );
        }
    }
    // Without the mask the transformer and the convolution look ahead: the test can fail.
    let conv = net(&CandidateSets::uniform(["C1D5"]), &device);
    let open = conv.forward(x.clone(), None).slice([0..2, 0..4, 0..DIM]);
    let prefix = conv.forward(x.slice([0..2, 0..4, 0..DIM]), None);
    assert!(max_diff(open, prefix) > 1e-3);
}
