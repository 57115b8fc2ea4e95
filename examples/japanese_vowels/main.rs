//! Variable-length multivariate sequence classification: who of nine speakers said a
//! Japanese vowel, from 7–29 steps of 12 LPC coefficients (the UEA JapaneseVowels archive,
//! `examples/data/`, BSD-3 through aeon). The model's two sequence slots choose among a
//! transformer encoder layer, two 1-D convolutions, a GRU and nothing, over padded batches
//! whose padding mask reaches every candidate (`Slot::forward_seq_masked`).
//!
//! `--method darts` searches both slots at once by DARTS on the example's own batches and loss
//! (`FunctionalSuperNet`); `--method random` trains each proposed architecture by the
//! example's own loop (`FunctionalSearch`). Either way, the architecture found is trained from
//! scratch on the whole training set and scored on the test set, beside a plain two-layer
//! transformer of the same width trained the same way.
//!
//! ```text
//! cargo run --release --example japanese_vowels -- --method darts --out runs/vowels-darts
//! cargo run --release --example japanese_vowels -- --method random --trials 10 --out runs/vowels-rs
//! ```

mod data;
mod model;

use anyhow::Context;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::Device;
use data::{dataset, split, Utterance, VowelBatch, VowelBatcher};
use model::{accuracy, fit, VowelNet, CANDIDATES};
use modnas::construct::{construct, CandidateSets};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::param_space::ArchDesc;
use modnas::{FunctionalSearch, FunctionalSuperNet, RunMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a search found, and how it and the plain transformer do on the test set.
struct Found {
    arch: ArchDesc,
    /// The search's best validation accuracy (the supernet's, for DARTS).
    valid_acc: f64,
    test_acc: f64,
    plain_test_acc: f64,
}

/// The model with `arch` in its slots, trained on all training utterances for `epochs`.
fn train_final(arch: &ArchDesc, train: &[Utterance], epochs: usize) -> anyhow::Result<VowelNet> {
    let device = Device::default().autodiff();
    device.seed(0);
    let mut c = construct(
        VowelNet::new(&device),
        &CandidateSets::uniform(CANDIDATES),
        &device,
    )?;
    c.apply(arch)?;
    Ok(fit(c.model, train, epochs, 0, &device).valid())
}

/// DARTS over both slots: the weights fitted on half the fitting utterances, α on the other
/// half, the supernet scored on the validation fifth after each epoch.
fn darts(
    out: &Path,
    epochs: usize,
    fitting: &[Utterance],
    valid: &[Utterance],
) -> anyhow::Result<(ArchDesc, f64)> {
    let device = Device::default().autodiff();
    device.seed(0);
    let sets = CandidateSets::mixed("DARTSMixedOp", CANDIDATES);
    let supernet = construct(VowelNet::new(&device), &sets, &device)?;
    let half = fitting.len() / 2;
    let loader = |part: &[Utterance], seed| -> Arc<dyn DataLoader<VowelBatch>> {
        DataLoaderBuilder::new(VowelBatcher)
            .batch_size(32)
            .shuffle(seed)
            .set_device(device.clone())
            .build(dataset(part.to_vec()))
    };
    let (weights, alphas) = (loader(&fitting[..half], 1), loader(&fitting[half..], 2));
    // DARTS's α learning rate (3·10⁻⁴) is set for 50 epochs of CIFAR-10; this search takes a
    // few hundred α steps.
    let args = toml::from_str("lr = 0.03")?;
    let run = FunctionalSuperNet::new("DARTSOptim", args)
        .epochs(epochs)
        .objective("acc", true)
        .weight_optimizer(AdamConfig::new().init(), 3e-3, 0.0)
        .run(
            out,
            RunMode::Overwrite,
            supernet,
            (&weights, &alphas),
            |net, b| Ok(net.loss(b)),
            |net| Ok(MetricMap::from([("acc".to_string(), accuracy(net, valid))])),
        )?;
    let acc = run.outcome.best.map_or(f64::NAN, |t| t.metrics["acc"]);
    Ok((run.arch, acc))
}

/// Random search: each architecture trained from scratch on the fitting utterances for
/// `epochs` and scored on the validation fifth.
fn random(
    out: &Path,
    trials: usize,
    epochs: usize,
    fitting: &[Utterance],
    valid: &[Utterance],
) -> anyhow::Result<(ArchDesc, f64)> {
    let device = Device::default().autodiff();
    let space = construct(
        VowelNet::new(&device),
        &CandidateSets::uniform(CANDIDATES),
        &device,
    )?
    .space;
    let run = FunctionalSearch::new(space)
        .trials(trials)
        .objective("acc", true)
        .run(out, RunMode::Overwrite, |arch, index| {
            device.seed(index as u64);
            let mut c = construct(
                VowelNet::new(&device),
                &CandidateSets::uniform(CANDIDATES),
                &device,
            )?;
            c.apply_known(arch)?;
            let model = fit(c.model, fitting, epochs, index as u64, &device).valid();
            Ok::<_, EstimError>(MetricMap::from([(
                "acc".to_string(),
                accuracy(&model, valid),
            )]))
        })?;
    let best = run.outcome.best.context("every trial failed")?;
    Ok((best.arch, best.metrics["acc"]))
}

/// Runs `method` and scores what it found, and the plain transformer, on the test set.
fn search(method: &str, out: &Path, epochs: usize, trials: usize) -> anyhow::Result<Found> {
    let (train, test) = data::load()?;
    let (fitting, valid) = split(&train);
    let (arch, valid_acc) = match method {
        "darts" => darts(out, epochs, &fitting, &valid)?,
        "random" => random(out, trials, epochs, &fitting, &valid)?,
        other => anyhow::bail!("unknown method `{other}`; use darts or random"),
    };
    let test_acc = accuracy(&train_final(&arch, &train, epochs)?, &test);
    let plain: ArchDesc = [("layers.0", "TEL_H2F2"), ("layers.1", "TEL_H2F2")]
        .into_iter()
        .collect();
    let plain_test_acc = accuracy(&train_final(&plain, &train, epochs)?, &test);
    Ok(Found {
        arch,
        valid_acc,
        test_acc,
        plain_test_acc,
    })
}

fn main() -> anyhow::Result<()> {
    let (mut method, mut epochs, mut trials) = ("darts".to_string(), 30, 10);
    let mut out = PathBuf::from("runs/vowels");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--method" => method = args.next().context("--method darts|random")?,
            "--epochs" => epochs = args.next().context("--epochs N")?.parse()?,
            "--trials" => trials = args.next().context("--trials N")?.parse()?,
            "--out" => out = args.next().context("--out DIR")?.into(),
            other => anyhow::bail!(
                "unknown argument `{other}`; use --method darts|random, --epochs N, --trials N, --out DIR"
            ),
        }
    }
    let start = std::time::Instant::now();
    let found = search(&method, &out, epochs, trials)?;
    println!("run directory: {}", out.display());
    println!("{method} found: {}", found.arch.summary());
    println!("validation accuracy in the search: {:.3}", found.valid_acc);
    println!(
        "test accuracy, trained from scratch for {epochs} epochs: found {:.3}, plain two-layer transformer {:.3}; {:.1} s",
        found.test_acc,
        found.plain_test_acc,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard};

    /// Burn seeds weight initialisation per device, process-wide: one test at a time.
    fn serial() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn darts_over_masked_sequence_slots_finds_a_speaker_classifier() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let found = search("darts", tmp.path(), 20, 0).unwrap();
        assert_eq!(found.arch.len(), 2);
        // Nine speakers: chance is 0.11.
        let (valid, test, plain) = (found.valid_acc, found.test_acc, found.plain_test_acc);
        assert!(valid > 0.4, "supernet validation accuracy {valid}");
        assert!(
            test > 0.8 && plain > 0.8,
            "test accuracy {test}, plain {plain}"
        );
    }

    #[test]
    fn random_search_trains_each_architecture_by_the_examples_loop() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let found = search("random", tmp.path(), 4, 2).unwrap();
        assert_eq!(modnas::run::read_journal(tmp.path()).unwrap().len(), 2);
        assert!(
            found.valid_acc > 0.3,
            "validation accuracy {}",
            found.valid_acc
        );
    }
}
