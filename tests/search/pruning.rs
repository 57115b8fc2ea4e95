//! Pruners from TOML (`[pruner]`): trials that report their epochs are stopped when their
//! learning curves fall behind, recorded as pruned with their last metrics and epochs (not as
//! failures), never the best; the optimizer learns from them; a resumed run gives the pruner
//! the replayed curves and goes on exactly as an undisturbed run; pruners that cannot apply
//! are refused before the run starts.

use crate::common::serial;
use crate::user_task::TASK;
use modnas::core::MetricMap;
use modnas::estim::{Trial, TrialReporter};
use modnas::param_space::{ArchDesc, Categorical, ParamSpace};
use modnas::run::{read_journal, RunReport};
use modnas::viz::plot_progress;
use modnas::{resume_search, run_search, Config, FunctionalSearch, RunMode};
use std::path::Path;

/// The registered regression task, every activation tried (grid), 8 epochs each, with ASHA
/// rungs at epochs 1, 2, 4 and 8.
fn asha(overrides: &[&str]) -> Config {
    let mut o: Vec<String> = [
        "optim.type=\"GridSearchOptim\"",
        "estim.search.args.trials=5",
        "pruner.type=\"SuccessiveHalvingPruner\"",
        "pruner.args={ reduction_factor = 2 }",
        "callbacks=[{ type = \"EventLog\" }]",
    ]
    .map(String::from)
    .to_vec();
    o.extend(overrides.iter().map(|s| s.to_string()));
    Config::from_toml(TASK, &o).unwrap()
}

fn journal(dir: &Path) -> Vec<Trial> {
    read_journal(dir).unwrap()
}

#[test]
fn asha_stops_trials_at_their_rung_and_the_search_learns_from_them() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(&asha(&[]), dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (5, 0));
    let trials = journal(dir.path());
    let pruned: Vec<&Trial> = trials.iter().filter(|t| t.pruned.is_some()).collect();
    assert!(!pruned.is_empty(), "{trials:#?}");
    for t in &trials {
        let epochs = t.epochs.unwrap();
        // Each epoch was scored (a pruner listens): the curve is -mse per epoch.
        assert_eq!(t.curve.len(), epochs, "{t:?}");
        assert!(t.metrics["mse"].is_finite() && t.error.is_none(), "{t:?}");
        match &t.pruned {
            Some(why) => {
                assert!([1, 2, 4].contains(&epochs), "stopped at a rung: {t:?}");
                assert!(why.contains("rung"), "{why}");
                // Its metrics are its last epoch's.
                assert_eq!(-t.metrics["mse"], *t.curve.last().unwrap());
            }
            None => assert_eq!(epochs, 8),
        }
    }
    let best = run.outcome.best.unwrap();
    assert!(best.pruned.is_none());
    let total: usize = trials.iter().map(|t| t.epochs.unwrap()).sum();
    assert!(total < 5 * 8, "pruning saved epochs: {total}");
    // The events say the same, live: every epoch, and each pruned trial.
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let count = |name: &str| log.lines().filter(|l| l.contains(name)).count();
    assert_eq!(count("\"epoch_reported\""), total);
    assert_eq!(count("\"trial_pruned\""), pruned.len());
    assert_eq!(count("\"trial_finished\""), 5 - pruned.len());
    // Every run keeps its trials' epochs for the dashboard's live learning curves.
    let epochs = std::fs::read_to_string(dir.path().join("epochs.jsonl")).unwrap();
    assert_eq!(epochs.lines().count(), total);
    assert!(epochs
        .lines()
        .all(|l| l.contains("\"trial\"") && l.contains("\"epoch\"")));

    // The report counts the compute: pruned trials, epochs, when the best was reached.
    let report = RunReport::load(dir.path()).unwrap();
    let text = report.render(10);
    assert!(
        text.contains(&format!("pruned: {}", pruned.len())),
        "{text}"
    );
    assert!(text.contains(&format!("epochs trained: {total}")), "{text}");
    assert!(
        text.contains(&format!("best reached at trial {}", best.index)),
        "{text}"
    );
    assert!(report.ranked().iter().all(|t| t.pruned.is_none()));
    let svg = std::fs::read_to_string(plot_progress(dir.path()).unwrap()).unwrap();
    assert!(svg.contains("epochs trained"), "a panel per epochs");
}

#[test]
fn a_resumed_pruned_search_equals_an_undisturbed_one() {
    let _serial = serial();
    let whole = tempfile::tempdir().unwrap();
    run_search(&asha(&[]), whole.path(), RunMode::New, &mut |_| {}).unwrap();
    let part = tempfile::tempdir().unwrap();
    let first = asha(&["estim.search.args.trials=3"]);
    run_search(&first, part.path(), RunMode::New, &mut |_| {}).unwrap();
    resume_search(
        part.path(),
        &["estim.search.args.trials=5".into()],
        &mut |_| {},
    )
    .unwrap();
    let strip = crate::common::journal_without_seconds;
    assert_eq!(strip(part.path()), strip(whole.path()));
}

const IMAGES: &str = r#"
seed = 2
[data]
type = "Synthetic"
args = { n = 48, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["NC3", "IDT", "AVG"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 3, trials = 3 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
[pruner]
type = "MedianPruner"
args = { min_trials = 1 }
"#;

#[test]
fn the_image_trainer_scores_each_epoch_for_the_pruner() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(IMAGES, &[]).unwrap();
    run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    let trials = journal(dir.path());
    assert_eq!(trials.len(), 3);
    for t in &trials {
        let epochs = t.epochs.unwrap();
        assert_eq!(t.curve.len(), epochs, "{t:?}");
        assert!(t.curve.iter().all(|acc| (0.0..=1.0).contains(acc)), "{t:?}");
        if t.pruned.is_none() {
            assert_eq!(epochs, 3);
            // The trial's own metrics come from its final evaluation.
            assert!(t.metrics.contains_key("params"), "{t:?}");
        }
    }
    // The first trial has no completed trial to be compared with: it trains to the end.
    assert_eq!(trials[0].epochs, Some(3));
    assert!(trials[0].pruned.is_none());
}

#[test]
fn pruners_are_refused_where_they_cannot_apply() {
    let _serial = serial();
    let refuse = |extra: &[&str]| {
        let o: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let cfg = Config::from_toml(IMAGES, &o).unwrap();
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("pruner"), "{extra:?}: {err}");
        err
    };
    let err = refuse(&["pruner.type=\"NoSuchPruner\""]);
    assert!(
        err.contains("MedianPruner") && err.contains("HyperbandPruner"),
        "{err}"
    );
    let err = refuse(&["pruner.args={ min_trials = -1 }"]);
    assert!(err.contains("min_trials"), "{err}");
    let err = refuse(&[
        "estim.search.type=\"SPOSEstim\"",
        "estim.search.args={ epochs = 1, trials = 2 }",
    ]);
    assert!(
        err.contains("`SPOSEstim` does not train trials epoch by epoch"),
        "{err}"
    );
    // Workers prune too (`crates/cli/tests/cli/distributed.rs`).
    let o = ["storage=\"sqlite\"".to_string()];
    Config::from_toml(IMAGES, &o).unwrap().validate().unwrap();
}

/// A training script: `rate` sets how fast its accuracy rises; it reports each of 9 epochs.
const COMMAND: &str = r#"
seed = 1
[space.params]
rate = { type = "Categorical", choices = [9, 1, 8, 2, 7, 3] }
[optim]
type = "GridSearchOptim"
[estim.search]
type = "HPTuneEstim"
args = { trials = 6, command = ["sh", "-c", '''
for e in 1 2 3 4 5 6 7 8 9; do
  echo "MODNAS_REPORT {\"epoch\": $e, \"acc\": 0.$(( {rate} * e / 9 ))$(( {rate} * e % 9 ))}"
done
echo "{\"acc\": 0.{rate}}"
'''] }
[pruner]
type = "SuccessiveHalvingPruner"
"#;

#[test]
fn command_trials_report_epochs_on_stdout_and_are_pruned() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(COMMAND, &[]).unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (6, 0));
    let trials = journal(dir.path());
    let epochs: Vec<Option<usize>> = trials.iter().map(|t| t.epochs).collect();
    // rate 9 first: every slower script stays below it at the first rung, except when a
    // rung holds three scores and keeps the best of them.
    assert_eq!(epochs[0], Some(9));
    assert!(
        trials[1].pruned.is_some() && epochs[1] == Some(1),
        "{trials:?}"
    );
    assert!(
        trials.iter().filter(|t| t.pruned.is_some()).count() >= 3,
        "{epochs:?}"
    );
    assert_eq!(run.outcome.best.unwrap().arch.get("rate"), Some(&9.into()));
}

/// Nine architectures (two slots of three candidates), 9 epochs each at most.
const HYPERBAND: &str = r#"
seed = 3
[data]
type = "Synthetic"
args = { n = 48, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4, 4], strides = [1, 1] }
[construct.args]
candidates = ["NC3", "NC5", "IDT"]
[optim]
type = "HyperbandOptim"
args = { max_epochs = 9 }
[estim.search]
type = "SubNetEstim"
args = { epochs = 9, trials = 13 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

#[test]
fn hyperband_trains_each_round_for_its_epochs_and_promotes_the_best() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(HYPERBAND, &[]).unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    let trials = journal(dir.path());
    // The most aggressive bracket: 9 architectures at 1 epoch, the best 3 at 3, the best at 9.
    let epochs: Vec<usize> = trials.iter().map(|t| t.epochs.unwrap()).collect();
    assert_eq!(epochs, [[1; 9].as_slice(), &[3; 3], &[9]].concat());
    let acc = |t: &Trial| t.metrics["acc"];
    let mut first: Vec<&Trial> = trials[..9].iter().collect();
    first.sort_by(|a, b| acc(b).total_cmp(&acc(a)));
    let promoted: Vec<String> = trials[9..12].iter().map(|t| t.arch.summary()).collect();
    for t in &first[..3] {
        assert!(promoted.contains(&t.arch.summary()), "{promoted:?}");
    }
    for t in &trials[..12] {
        let why = t.pruned.as_deref().unwrap();
        assert!(why.contains("epochs its optimizer chose"), "{why}");
    }
    // Only the full training can be the best.
    let best = run.outcome.best.unwrap();
    assert_eq!((best.index, best.pruned.as_deref()), (12, None));
    // Resumed from the middle of a round, the search goes on as it would have.
    let part = tempfile::tempdir().unwrap();
    let o = ["estim.search.args.trials=5".to_string()];
    run_search(
        &Config::from_toml(HYPERBAND, &o).unwrap(),
        part.path(),
        RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    resume_search(
        part.path(),
        &["estim.search.args.trials=13".into()],
        &mut |_| {},
    )
    .unwrap();
    let strip = crate::common::journal_without_seconds;
    assert_eq!(strip(part.path()), strip(dir.path()));
}

#[test]
fn fidelities_need_trials_in_this_process() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let o = ["storage=\"sqlite\"".to_string()];
    let cfg = Config::from_toml(HYPERBAND, &o).unwrap();
    let err = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`optim.type`") && err.contains("without `storage`"),
        "{err}"
    );
    assert!(
        !dir.path().join("trials.jsonl").exists(),
        "refused before the run started"
    );
    let o = [
        "estim.search.type=\"SPOSEstim\"".to_string(),
        "estim.search.args={ epochs = 1, trials = 2 }".to_string(),
    ];
    let cfg = Config::from_toml(HYPERBAND, &o).unwrap();
    let err = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot vary"), "{err}");
}

#[test]
fn hyperband_over_data_fractions_trains_every_epoch_on_a_share_of_the_images() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let o: Vec<String> = [
        "optim.args={ fidelity = \"data_fraction\", min_fraction = 0.111 }",
        "estim.search.args={ epochs = 2, trials = 13 }",
        "callbacks=[{ type = \"EventLog\" }]",
    ]
    .map(String::from)
    .to_vec();
    let cfg = Config::from_toml(HYPERBAND, &o).unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    let trials = journal(dir.path());
    // 9 architectures on 1/9 of the images, the best 3 on 1/3, the best on all of them; each
    // for the estimator's 2 epochs.
    let fractions: Vec<Option<f64>> = trials.iter().map(|t| t.data_fraction).collect();
    let (ninth, third) = (Some(1.0 / 9.0), Some(3.0 / 9.0));
    assert_eq!(
        fractions,
        [[ninth; 9].as_slice(), &[third; 3], &[None]].concat()
    );
    assert!(trials.iter().all(|t| t.epochs == Some(2)), "{trials:?}");
    for (t, share) in trials[..12]
        .iter()
        .zip([["11.1%"; 9].as_slice(), &["33.3%"; 3]].concat())
    {
        let why = t.pruned.as_deref().unwrap();
        let said = format!("trained on {share} of the training data, as its optimizer chose");
        assert_eq!(why, said);
    }
    assert_eq!(run.outcome.best.unwrap().index, 12);
    // The trainer saw the share: samples per epoch, from the event log.
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let samples = |trial: usize| -> u64 {
        log.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|e| e["event"] == "epoch_reported" && e["report"]["trial"] == trial)
            .and_then(|e| e["report"]["samples"].as_u64())
            .unwrap()
    };
    let all = samples(12);
    assert_eq!(samples(0), all.div_ceil(9));
    assert_eq!(samples(9), all.div_ceil(3));
    // Compute counts the share: 9 × 2/9 + 3 × 2/3 + 2 epochs over all the data.
    let compute: f64 = trials.iter().map(Trial::compute_epochs).sum();
    assert!((compute - 6.0).abs() < 1e-9, "{compute}");
    // An estimator that cannot train on a share is refused before the run.
    let o = [
        "optim.args={ fidelity = \"data_fraction\" }".to_string(),
        "estim.search.type=\"SPOSEstim\"".to_string(),
        "estim.search.args={ epochs = 1, trials = 2 }".to_string(),
    ];
    let other = tempfile::tempdir().unwrap();
    let err = Config::from_toml(HYPERBAND, &o)
        .map_err(|e| e.to_string())
        .and_then(|cfg| {
            run_search(&cfg, other.path(), RunMode::New, &mut |_| {}).map_err(|e| e.to_string())
        })
        .unwrap_err();
    assert!(
        err.contains("data_fraction") && err.contains("use SubNetEstim"),
        "{err}"
    );
}

#[test]
fn bohb_runs_hyperbands_brackets_with_model_draws_from_toml() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let o: Vec<String> = [
        "optim.type=\"BOHBOptim\"",
        "optim.args={ max_epochs = 9, min_points = 3 }",
        "estim.search.args.trials=19",
    ]
    .map(String::from)
    .to_vec();
    // 27 architectures: three slots of three candidates.
    let text = HYPERBAND.replace(
        "channels = [4, 4], strides = [1, 1]",
        "channels = [4, 4, 4], strides = [1, 1, 1]",
    );
    let cfg = Config::from_toml(&text, &o).unwrap();
    let run = run_search(&cfg, dir.path(), RunMode::New, &mut |_| {}).unwrap();
    let trials = journal(dir.path());
    let epochs: Vec<usize> = trials.iter().map(|t| t.epochs.unwrap()).collect();
    // Bracket 2 (9 at 1 epoch, 3 at 3, 1 at 9), then bracket 1 (5 at 3, 1 at 9), whose draws
    // come from the 3-epoch model (3 results) or at random.
    let expected = [[1; 9].as_slice(), &[3; 3], &[9], &[3; 5], &[9]].concat();
    assert_eq!(epochs, expected);
    assert_eq!(run.outcome.trials, 19);
    assert!(run.outcome.best.unwrap().pruned.is_none());
    // The second bracket's draws are new architectures at 3 epochs.
    let bracket2: Vec<String> = trials[..13].iter().map(|t| t.arch.summary()).collect();
    for t in &trials[13..18] {
        assert!(!bracket2[9..12].contains(&t.arch.summary()), "{t:?}");
    }
}

#[test]
fn functional_searches_prune_call_callbacks_and_catch_a_wrong_objective_at_once() {
    let _serial = serial();
    let space = || {
        let mut space = ParamSpace::new();
        let rates = Categorical::new([6i64, 1, 5, 2, 4, 3]).unwrap();
        space.insert("rate", rates).unwrap();
        space
    };
    let search = |objective: &str| {
        FunctionalSearch::new(space())
            .optimizer("GridSearchOptim", toml::Table::new())
            .trials(6)
            .objective(objective, true)
            .pruner("SuccessiveHalvingPruner", toml::Table::new())
            .callback("EventLog", toml::Table::new())
    };
    let curve = |arch: &ArchDesc, r: &mut TrialReporter<'_>| {
        let rate = arch.get("rate").and_then(|v| v.as_i64()).unwrap() as f64;
        let mut acc = 0.0;
        for epoch in 1..=9 {
            acc = 1.0 - (-rate * epoch as f64 / 20.0).exp();
            r.report(epoch, MetricMap::from([("acc".to_string(), acc)]))?;
        }
        Ok(MetricMap::from([("acc".to_string(), acc)]))
    };
    let dir = tempfile::tempdir().unwrap();
    search("acc")
        .run_reporting(dir.path(), RunMode::New, |arch, _, r| curve(arch, r))
        .unwrap();
    let pruned = journal(dir.path())
        .iter()
        .filter(|t| t.pruned.is_some())
        .count();
    assert!(pruned > 0);
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    assert_eq!(log.matches("\"trial_pruned\"").count(), pruned);
    assert!(log.lines().last().unwrap().contains("run_ended"));

    // A pruner needs the objective in every report: a wrong one stops the run at epoch 1.
    let other = tempfile::tempdir().unwrap();
    let mut reports = 0;
    let err = search("accuracy")
        .run_reporting(other.path(), RunMode::New, |_, _, r| {
            for epoch in 1..=9 {
                reports += 1;
                r.report(epoch, MetricMap::from([("acc".to_string(), 0.5)]))?;
            }
            Ok(MetricMap::from([("acc".to_string(), 0.5)]))
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("`accuracy`") && err.contains("acc"), "{err}");
    assert_eq!(reports, 1, "stopped at the first report");
}
