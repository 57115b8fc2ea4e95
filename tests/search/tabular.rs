//! Table-based search: the NB201 preset and arch strings, `[space.params]`, missing rows.

use modnas::{run_search, Config};

fn nb201_config(path: &std::path::Path, optim: &str, trials: usize) -> Config {
    let text = format!(
        r#"
        seed = 1
        [space]
        preset = "NB201"
        [optim]
        type = "{optim}"
        [estim.search]
        type = "TabularEstim"
        args = {{ path = {path:?}, format = "nb201", trials = {trials} }}
        "#,
        path = path.display().to_string()
    );
    Config::from_toml(&text, &[]).unwrap()
}

#[test]
fn regularized_evolution_searches_an_nb201_table_without_a_model() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("nb201.csv");
    let (optimum, _) = modnas::estim::tabular::write_synthetic_nb201_table(&table, 7).unwrap();
    let mut cfg = nb201_config(&table, "RegularizedEvolutionOptim", 300);
    cfg.optim.args = toml::from_str("population = 30\nsample_size = 5").unwrap();
    let run = crate::common::new_run(&cfg, &dir.path().join("run")).unwrap();
    assert_eq!(run.outcome.trials, 300);
    let best = run.outcome.best.unwrap();
    assert!(
        optimum - best.metrics["acc"] < 0.01,
        "{} vs optimum {optimum}",
        best.metrics["acc"]
    );
    assert_eq!(best.arch.len(), 6);
    let lines = std::fs::read_to_string(dir.path().join("run/trials.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 300);
}

#[test]
fn an_arch_missing_from_the_table_is_named() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("small.csv");
    std::fs::write(
        &table,
        "arch,acc\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.1\n",
    )
    .unwrap();
    let cfg = nb201_config(&table, "RandomSearchOptim", 50);
    let err = crate::common::new_run(&cfg, &dir.path().join("run"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is not in the table") && err.contains("~0|+|"),
        "{err}"
    );
}

#[test]
fn space_params_define_a_space_for_value_keys() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.csv");
    let mut rows = String::from("arch,loss\n");
    for op in ["a", "b"] {
        for w in 1..=3 {
            rows.push_str(&format!(
                "{op}|{w},{}\n",
                if op == "b" && w == 2 { 0.1 } else { 1.0 }
            ));
        }
    }
    std::fs::write(&table, rows).unwrap();
    let text = format!(
        r#"
        [space.params]
        op = {{ type = "Categorical", choices = ["a", "b"] }}
        width = {{ type = "Int", low = 1, high = 3 }}
        [optim]
        type = "GridSearchOptim"
        [estim.search]
        type = "TabularEstim"
        args = {{ path = {:?}, objective = "loss", mode = "min" }}
        "#,
        table.display().to_string()
    );
    let run = run_search(
        &Config::from_toml(&text, &[]).unwrap(),
        &dir.path().join("run"),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(run.outcome.trials, 6);
    assert_eq!(
        run.outcome.best.unwrap().arch.summary(),
        "op=\"b\", width=2"
    );
}

#[test]
fn training_estimators_still_need_a_model() {
    let _serial = crate::common::serial();
    let err = run_search(
        &Config::from_toml("[space]\npreset = \"NB201\"", &[]).unwrap(),
        tempfile::tempdir().unwrap().path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("`model`") && msg.contains("SubNetEstim") && msg.contains("ConvNet"),
        "{msg}"
    );
}

#[test]
fn unknown_preset_lists_known() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.csv");
    std::fs::write(
        &table,
        "arch,acc
x,1
",
    )
    .unwrap();
    let text = format!(
        "[space]\npreset = \"NB301\"\n[estim.search]\ntype = \"TabularEstim\"\nargs = {{ path = {:?} }}",
        table.display().to_string()
    );
    let err = run_search(
        &Config::from_toml(&text, &[]).unwrap(),
        &dir.path().join("run"),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`space.preset`") && msg.contains("unknown preset `NB301`; known: [NB201]"),
        "{msg}"
    );
}

#[test]
fn pareto_search_writes_its_front() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("nb201.csv");
    modnas::estim::tabular::write_synthetic_nb201_table(&table, 3).unwrap();
    let mut cfg = nb201_config(&table, "ParetoEvolutionOptim", 120);
    cfg.optim.args = toml::from_str(
        r#"
        population = 20
        objectives = [{ metric = "acc", mode = "max" }, { metric = "flops", mode = "min" }]
        constraints = [{ metric = "flops", max = 30 }]
        "#,
    )
    .unwrap();
    crate::common::new_run(&cfg, &dir.path().join("run")).unwrap();
    let text = std::fs::read_to_string(dir.path().join("run/pareto_front.jsonl")).unwrap();
    let front: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(front.len() >= 2, "{text}");
    for p in &front {
        assert!(p["metrics"]["flops"].as_f64().unwrap() <= 30.0);
        assert_eq!(p["arch"].as_object().unwrap().len(), 6);
    }
    // No member dominates another (acc higher is better, flops lower).
    let point = |p: &serde_json::Value| {
        (
            p["metrics"]["acc"].as_f64().unwrap(),
            p["metrics"]["flops"].as_f64().unwrap(),
        )
    };
    for a in &front {
        for b in &front {
            let ((acc_a, f_a), (acc_b, f_b)) = (point(a), point(b));
            let dominates = acc_a >= acc_b && f_a <= f_b && (acc_a > acc_b || f_a < f_b);
            assert!(!dominates, "{a} dominates {b}");
        }
    }
    let csv = std::fs::read_to_string(dir.path().join("run/pareto_front.csv")).unwrap();
    assert_eq!(csv.lines().count(), front.len() + 1, "{csv}");
    assert!(csv.starts_with("edge_1_0,") && csv.lines().next().unwrap().contains(",acc,"));
    modnas::draw_run(&dir.path().join("run")).unwrap();
    let svg = std::fs::read_to_string(dir.path().join("run/pareto-acc-flops.svg")).unwrap();
    assert!(svg.contains("Pareto front: acc vs flops"));
    // One red dot per front member, one grey per successful trial.
    assert_eq!(
        svg.matches("fill=\"#FF0000\"").count(),
        front.len() + 1,
        "legend included"
    );
}

#[test]
fn predictor_estim_ranks_unseen_archs_from_a_training_table() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.csv");
    let (optimum, _) = modnas::estim::tabular::write_synthetic_nb201_table(&full, 5).unwrap();
    // Train on every 8th row only.
    let text = std::fs::read_to_string(&full).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let sample: Vec<&str> = lines.step_by(8).collect();
    let train = dir.path().join("train.csv");
    std::fs::write(&train, format!("{header}\n{}\n", sample.join("\n"))).unwrap();
    let mut cfg = nb201_config(&full, "RegularizedEvolutionOptim", 300);
    cfg.optim.args = toml::from_str("population = 30\nsample_size = 5").unwrap();
    cfg.estim.search.type_name = "PredictorEstim".into();
    cfg.estim.search.args = toml::from_str(&format!(
        "path = {:?}\nformat = \"nb201\"\nmodel = \"linear\"\ntrials = 300",
        train.display().to_string()
    ))
    .unwrap();
    let run = crate::common::new_run(&cfg, &dir.path().join("run")).unwrap();
    let best = run.outcome.best.unwrap();
    // The predicted best is scored against the full table.
    let key = modnas::estim::tabular::nb201_arch_string(&best.arch).unwrap();
    let true_acc: f64 = text
        .lines()
        .find(|l| l.starts_with(&format!("{key},")))
        .and_then(|l| l.split(',').nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        optimum - true_acc < 0.005,
        "true acc {true_acc} of the predicted best vs optimum {optimum}"
    );
}

/// The architectures of a run's journal, and how many distinct ones.
fn journal_archs(run: &std::path::Path) -> (usize, usize) {
    let text = std::fs::read_to_string(run.join("trials.jsonl")).unwrap();
    let archs: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["arch"].to_string())
        .collect();
    let distinct: std::collections::HashSet<&String> = archs.iter().collect();
    (archs.len(), distinct.len())
}

#[test]
fn proposals_of_evaluated_architectures_are_answered_not_evaluated_again() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("nb201.csv");
    modnas::estim::tabular::write_synthetic_nb201_table(&table, 3).unwrap();
    let mut cfg = nb201_config(&table, "RegularizedEvolutionOptim", 100);
    cfg.optim.args = toml::from_str("population = 10\nsample_size = 3").unwrap();
    let run = crate::common::new_run(&cfg, &dir.path().join("answer")).unwrap();
    assert_eq!(run.outcome.trials, 100);
    assert_eq!(journal_archs(&dir.path().join("answer")), (100, 100));
    // EvolutionOptim converges to repeating its population: every architecture it evaluates
    // is new, and it stops once it proposes nothing else.
    let mut evolution = nb201_config(&table, "EvolutionOptim", 100);
    evolution.optim.args = toml::from_str("population = 10\nselection = 3").unwrap();
    let run = crate::common::new_run(&evolution, &dir.path().join("evolution")).unwrap();
    let (trials, distinct) = journal_archs(&dir.path().join("evolution"));
    assert_eq!(trials, distinct);
    if trials < 100 {
        assert_eq!(run.outcome.stop, modnas::estim::StopReason::OnlyRepeats);
    }
    // The old behaviour, for noisy objectives: repeats are evaluated and recorded again. A
    // policy that collapses at once (a huge learning rate, no entropy bonus) repeats itself.
    cfg.optim.type_name = "REINFORCEOptim".into();
    cfg.optim.args = toml::from_str("lr = 100.0\nentropy_weight = 0.0").unwrap();
    cfg.estim
        .search
        .args
        .insert("revisit".into(), "evaluate".into());
    crate::common::new_run(&cfg, &dir.path().join("evaluate")).unwrap();
    let (trials, distinct) = journal_archs(&dir.path().join("evaluate"));
    assert!(
        trials == 100 && distinct < 100,
        "{distinct} distinct of {trials}"
    );
}
