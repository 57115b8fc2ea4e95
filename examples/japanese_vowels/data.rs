//! The JapaneseVowels archive (UEA, `.ts` format, gzipped in `examples/data/`): utterances of
//! 12 LPC coefficients over 7–29 steps, the speaker (1–9) as the class. A Burn `Dataset` of
//! utterances and a `Batcher` that pads each batch to its longest utterance and gives the
//! padding mask with it.

use anyhow::Context;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use flate2::read::GzDecoder;
use modnas::prelude::SeqMask;
use std::io::Read;

/// LPC coefficients per step.
pub(crate) const CHANNELS: usize = 12;
/// Speakers.
pub(crate) const CLASSES: usize = 9;

const TRAIN: &[u8] = include_bytes!("../data/japanese_vowels_train.ts.gz");
const TEST: &[u8] = include_bytes!("../data/japanese_vowels_test.ts.gz");

/// One utterance: `steps × CHANNELS` values, step-major, and its speaker (0-based).
#[derive(Clone, Debug)]
pub(crate) struct Utterance {
    pub(crate) values: Vec<f32>,
    pub(crate) steps: usize,
    pub(crate) speaker: usize,
}

/// Parses a `.ts` archive: header lines start with `#` or `@`, then one case a line, its
/// dimensions separated by `:`, their values by `,`, the class label last.
fn parse(gz: &[u8], name: &str) -> anyhow::Result<Vec<Utterance>> {
    let mut text = String::new();
    GzDecoder::new(gz)
        .read_to_string(&mut text)
        .with_context(|| format!("{name}: not gzipped text"))?;
    let mut out = vec![];
    let cases = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.starts_with("@data"));
    for (i, line) in cases.skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let at = || format!("{name} line {}", i + 1);
        let mut parts: Vec<&str> = line.split(':').collect();
        anyhow::ensure!(
            parts.len() == CHANNELS + 1,
            "{}: {} parts",
            at(),
            parts.len()
        );
        let label: usize = parts
            .pop()
            .unwrap_or_default()
            .trim()
            .parse()
            .with_context(at)?;
        anyhow::ensure!((1..=CLASSES).contains(&label), "{}: class {label}", at());
        let channels = parts
            .iter()
            .map(|p| {
                p.split(',')
                    .map(|v| v.trim().parse::<f32>())
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .with_context(at)?;
        let steps = channels[0].len();
        anyhow::ensure!(
            channels.iter().all(|c| c.len() == steps),
            "{}: ragged",
            at()
        );
        let values = (0..steps)
            .flat_map(|t| channels.iter().map(move |c| c[t]))
            .collect();
        out.push(Utterance {
            values,
            steps,
            speaker: label - 1,
        });
    }
    Ok(out)
}

/// The archive's training and test utterances.
pub(crate) fn load() -> anyhow::Result<(Vec<Utterance>, Vec<Utterance>)> {
    Ok((parse(TRAIN, "train")?, parse(TEST, "test")?))
}

/// Every fifth training utterance held out for validation (the search's objective), the rest
/// for training.
pub(crate) fn split(train: &[Utterance]) -> (Vec<Utterance>, Vec<Utterance>) {
    let (valid, fit): (Vec<_>, Vec<_>) = train
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 5 == 4);
    (
        fit.into_iter().map(|(_, u)| u).collect(),
        valid.into_iter().map(|(_, u)| u).collect(),
    )
}

/// A Burn dataset of utterances.
pub(crate) fn dataset(utterances: Vec<Utterance>) -> InMemDataset<Utterance> {
    InMemDataset::new(utterances)
}

/// A padded batch: values `[batch, steps, CHANNELS]` (zeros after each utterance's end), the
/// padding mask, each utterance's length `[batch, 1]`, and the speakers.
#[derive(Clone, Debug)]
pub(crate) struct VowelBatch {
    pub(crate) x: Tensor<3>,
    pub(crate) mask: SeqMask,
    pub(crate) lengths: Tensor<2>,
    pub(crate) speakers: Tensor<1, Int>,
}

/// Pads each batch to its longest utterance.
#[derive(Clone)]
pub(crate) struct VowelBatcher;

impl Batcher<Utterance, VowelBatch> for VowelBatcher {
    fn batch(&self, items: Vec<Utterance>, device: &Device) -> VowelBatch {
        let (n, steps) = (
            items.len(),
            items.iter().map(|u| u.steps).max().unwrap_or(1),
        );
        let mut x = vec![0.0f32; n * steps * CHANNELS];
        let mut pad = vec![true; n * steps];
        for (i, u) in items.iter().enumerate() {
            x[i * steps * CHANNELS..][..u.values.len()].copy_from_slice(&u.values);
            pad[i * steps..][..u.steps].fill(false);
        }
        let lengths: Vec<f32> = items.iter().map(|u| u.steps as f32).collect();
        let speakers: Vec<i64> = items.iter().map(|u| u.speaker as i64).collect();
        VowelBatch {
            x: Tensor::from_data(TensorData::new(x, [n, steps, CHANNELS]), device),
            mask: SeqMask::padding(Tensor::<2, Bool>::from_data(
                TensorData::new(pad, [n, steps]),
                device,
            )),
            lengths: Tensor::from_data(TensorData::new(lengths, [n, 1]), device),
            speakers: Tensor::from_data(TensorData::new(speakers, [n]), device),
        }
    }
}

/// All of `utterances` as one batch on `device` (for scoring).
pub(crate) fn whole(utterances: &[Utterance], device: &Device) -> VowelBatch {
    VowelBatcher.batch(utterances.to_vec(), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_270_training_and_370_test_utterances_of_7_to_29_steps() {
        let (train, test) = load().unwrap();
        assert_eq!((train.len(), test.len()), (270, 370));
        let steps = train.iter().chain(&test).map(|u| u.steps);
        assert_eq!((steps.clone().min(), steps.max()), (Some(7), Some(29)));
        let mut per_speaker = [0; CLASSES];
        train.iter().for_each(|u| per_speaker[u.speaker] += 1);
        assert_eq!(per_speaker, [30; CLASSES]);
    }

    #[test]
    fn a_batch_is_padded_and_masked_to_its_longest_utterance() {
        let (train, _) = load().unwrap();
        let items = vec![train[0].clone(), train[1].clone()];
        let b = VowelBatcher.batch(items.clone(), &Device::default());
        let steps = items[0].steps.max(items[1].steps);
        assert_eq!(b.x.dims(), [2, steps, CHANNELS]);
        let pad = b
            .mask
            .pad
            .unwrap()
            .into_data()
            .try_to_vec::<bool>()
            .unwrap();
        let padded: usize = pad.iter().filter(|p| **p).count();
        assert_eq!(padded, 2 * steps - items[0].steps - items[1].steps);
    }
}
