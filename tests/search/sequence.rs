//! The shipped transformer configs: the rows of the digits as a sequence, its sequence slots
//! searched by random search and by DARTS, with nothing but the config changed.

use crate::common::serial;
use modnas::Config;

fn shipped(name: &str, overrides: &[&str]) -> Config {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut o: Vec<String> = vec!["data.args.limit=200".into(), "model.args.dim=8".into()];
    o.extend(overrides.iter().map(|s| s.to_string()));
    Config::from_file(format!("{root}/examples/configs/{name}"), &o).unwrap()
}

#[test]
fn a_transformers_sequence_slots_are_searched_from_the_shipped_config() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = shipped(
        "row_transformer.toml",
        &["estim.search.args.trials=3", "estim.search.args.epochs=1"],
    );
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (3, 0));
    let best = run.outcome.best.unwrap();
    for key in ["blocks.0.mixer", "blocks.1.ffn", "blocks.1.act"] {
        assert!(
            best.arch.get(key).is_some(),
            "{key} in {}",
            best.arch.summary()
        );
    }
    // Costs and sizes reach the metrics through the sequence slots.
    assert!(best.metrics["acc"] > 0.0);
}

#[test]
fn darts_trains_alpha_over_the_transformers_slots_by_config() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = shipped(
        "row_transformer_darts.toml",
        &["estim.search.args.epochs=2"],
    );
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 2, "one record per epoch");
    let alphas = std::fs::read_to_string(dir.path().join("alphas.jsonl")).unwrap();
    let snaps: Vec<serde_json::Value> = alphas
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let weights = |epoch: usize| snaps[epoch]["params"]["blocks.0.mixer"].clone();
    assert_eq!(weights(0).as_object().unwrap().len(), 5, "five mixers");
    assert_ne!(weights(0), weights(1), "α moved between epochs");
    let best = run.outcome.best.unwrap();
    let mixer = best.arch.get("blocks.0.mixer").unwrap().to_string();
    assert!(
        ["TEL_H2F2", "TEL_H4F2", "C1D3", "C1D5", "IDT"]
            .iter()
            .any(|m| mixer.contains(m)),
        "{mixer}"
    );
}

#[test]
fn spos_and_progressive_shrinking_search_the_transformers_sequence_slots() {
    let _serial = serial();
    for (estim, args) in [
        (
            "SPOSEstim",
            "{ epochs = 1, trials = 3, recal_batches = 1, batch_size = 32 }",
        ),
        (
            "ProgressiveShrinkingEstim",
            "{ epochs = 1, stage_epochs = 1, trials = 3, recal_batches = 1, batch_size = 32 }",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = shipped(
            "row_transformer.toml",
            &[
                &format!("estim.search.type=\"{estim}\""),
                &format!("estim.search.args={args}"),
                "construct.args.mixed_op=\"IndexMixedOp\"",
                "optim.type=\"RegularizedEvolutionOptim\"",
                "optim.args={ population = 2, sample_size = 1 }",
            ],
        );
        let run = crate::common::new_run(&cfg, dir.path()).unwrap();
        assert_eq!((run.outcome.trials, run.outcome.failed), (3, 0), "{estim}");
        for t in modnas::run::read_journal(dir.path()).unwrap() {
            assert!(
                t.arch.get("blocks.0.mixer").is_some(),
                "{estim}: {}",
                t.arch.summary()
            );
            let acc = t.metrics["acc"];
            assert!((0.0..=1.0).contains(&acc), "{estim}: acc {acc}");
        }
    }
}
