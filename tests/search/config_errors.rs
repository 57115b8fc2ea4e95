//! Malformed configurations are rejected with a message naming the key, the value and what is
//! allowed, never with a panic.

use modnas::{Config, ModnasError};

const GOOD: &str = r#"
[data]
type = "Synthetic"
args = { n = 16, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [2], strides = [1] }
[construct.args]
candidates = ["NC3"]
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 1 }
"#;

/// The error for `GOOD` with `overrides`, from parsing or from building the run.
fn error_for(overrides: &[&str]) -> ModnasError {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let cfg = match Config::from_toml(GOOD, &overrides) {
        Ok(cfg) => cfg,
        Err(e) => return e,
    };
    let dir = tempfile::tempdir().unwrap();
    match crate::common::new_run(&cfg, dir.path()) {
        Ok(_) => panic!("config with {overrides:?} was accepted"),
        Err(e) => e,
    }
}

fn check(overrides: &[&str], expected: &[&str]) {
    let err = error_for(overrides);
    let msg = err.to_string();
    for part in expected {
        assert!(
            msg.contains(part),
            "message for {overrides:?} lacks `{part}`: {msg}"
        );
    }
    assert!(err.is_input_error(), "{msg} should be an input error");
}

#[test]
fn the_good_config_runs() {
    let _serial = crate::common::serial();
    let cfg = Config::from_toml(GOOD, &[]).unwrap();
    crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap();
}

#[test]
fn unknown_top_level_key() {
    let _serial = crate::common::serial();
    check(&["sede=1"], &["unknown field `sede`", "seed"]);
}

#[test]
fn unknown_key_in_a_component() {
    let _serial = crate::common::serial();
    check(&["optim.typo=1"], &["`optim.typo`", "unknown field `typo`"]);
}

#[test]
fn wrong_value_type() {
    let _serial = crate::common::serial();
    check(&["seed=\"seven\""], &["`seed`", "invalid type"]);
}

#[test]
fn missing_model() {
    let _serial = crate::common::serial();
    let cfg = Config::from_toml("seed = 1", &[]).unwrap();
    let err = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`model`") && msg.contains("missing") && msg.contains("ConvNet"),
        "{msg}"
    );
    assert!(err.is_input_error());
}

#[test]
fn toml_syntax_error() {
    let _serial = crate::common::serial();
    let err = Config::from_toml("[model\ntype = 1", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("config error"), "{err}");
}

#[test]
fn unknown_optimizer_lists_known() {
    let _serial = crate::common::serial();
    check(
        &["optim.type=EvoOptim"],
        &[
            "`optim`",
            "unknown optimizer `EvoOptim`",
            "RandomSearchOptim",
            "GridSearchOptim",
        ],
    );
}

#[test]
fn unknown_estimator_lists_known() {
    let _serial = crate::common::serial();
    check(
        &["estim.search.type=SPOS"],
        &["`estim.search`", "unknown estimator `SPOS`", "SubNetEstim"],
    );
}

#[test]
fn unknown_candidate_lists_known() {
    let _serial = crate::common::serial();
    check(
        &["construct.args.candidates=[\"NC4\"]"],
        &["`construct.args`", "unknown candidate `NC4`", "NC3"],
    );
}

#[test]
fn unknown_slot_in_candidate_sets() {
    let _serial = crate::common::serial();
    let text = format!("{GOOD}\n[construct.args.slots]\n\"convs.9\" = [\"NC3\"]\n");
    let cfg = Config::from_toml(&text, &[]).unwrap();
    let err = crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("unknown slot `convs.9`") && msg.contains("[convs.0]"),
        "{msg}"
    );
    assert!(err.is_input_error());
}

#[test]
fn model_without_type() {
    let _serial = crate::common::serial();
    check(
        &["model.type=\"\""],
        &["`model.type`", "missing", "ConvNet"],
    );
}

#[test]
fn empty_candidate_set() {
    let _serial = crate::common::serial();
    check(
        &["construct.args.candidates=[]"],
        &["slot `convs.0` has no candidates"],
    );
}

#[test]
fn unknown_model_lists_known() {
    let _serial = crate::common::serial();
    check(
        &["model.type=ResNet99"],
        &["`model.type`", "unknown model `ResNet99`", "ConvNet"],
    );
}

#[test]
fn bad_model_args() {
    let _serial = crate::common::serial();
    check(
        &["model.args.strides=[1, 2]"],
        &["`model.args`", "equal length"],
    );
}

#[test]
fn unknown_estimator_arg() {
    let _serial = crate::common::serial();
    check(
        &["estim.search.args.epoch=2"],
        &["unknown field `epoch`", "epochs"],
    );
}

#[test]
fn zero_epochs() {
    let _serial = crate::common::serial();
    check(
        &["estim.search.args.epochs=0"],
        &["`epochs` must be at least 1"],
    );
}

#[test]
fn unknown_data_type() {
    let _serial = crate::common::serial();
    check(
        &["data.type=Cifar"],
        &["`data.args`", "unknown data type `Cifar`", "Digits"],
    );
}

#[test]
fn bad_valid_ratio() {
    let _serial = crate::common::serial();
    check(
        &["data.args.valid_ratio=0"],
        &["valid_ratio", "strictly between 0 and 1"],
    );
}

#[test]
fn missing_data_file() {
    let _serial = crate::common::serial();
    check(
        &[
            "data.type=MnistCsv",
            "data.args={ path = \"/no/such.csv\" }",
        ],
        &["/no/such.csv"],
    );
}

#[test]
fn bad_trainer_optimizer() {
    let _serial = crate::common::serial();
    check(
        &["trainer.args.optimizer=\"adamw\""],
        &["`trainer.args`", "unknown variant `adamw`", "sgd", "adam"],
    );
}

#[test]
fn negative_learning_rate() {
    let _serial = crate::common::serial();
    check(
        &["trainer.args.lr=-1.0"],
        &["`lr` = -1 must be a positive number"],
    );
}

#[test]
fn unknown_metric_lists_known() {
    let _serial = crate::common::serial();
    check(
        &["metrics=[\"Latency\"]"],
        &["`metrics`", "unknown metric `Latency`", "FlopsMetric"],
    );
}

#[test]
fn unknown_device() {
    let _serial = crate::common::serial();
    check(
        &["backend.device=\"tpu\""],
        &[
            "`backend.device`",
            "unknown device `tpu`",
            "cpu, wgpu, cuda, libtorch, libtorch-cuda",
        ],
    );
}

#[cfg(not(feature = "tch"))]
#[test]
fn libtorch_without_its_feature_names_the_feature() {
    let _serial = crate::common::serial();
    check(
        &["backend.device=\"libtorch\""],
        &[
            "`backend.device`",
            "`libtorch` is not available in this build",
            "`tch`",
        ],
    );
}

#[test]
fn bad_override_syntax() {
    let _serial = crate::common::serial();
    let err = Config::from_toml(GOOD, &["seed".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("key.path=value"), "{err}");
}

#[test]
fn grid_points_zero() {
    let _serial = crate::common::serial();
    check(
        &["optim.type=GridSearchOptim", "optim.args.points=0"],
        &["`points` must be at least 1"],
    );
}

#[test]
fn a_discrete_optimizer_cannot_search_alpha() {
    let _serial = crate::common::serial();
    check(
        &["construct.args.mixed_op=\"DARTSMixedOp\""],
        &[
            "optim.type",
            "tensor parameters",
            "RandomSearchOptim",
            "IndexMixedOp",
        ],
    );
}

#[test]
fn a_gradient_optimizer_needs_the_supernet_estimator() {
    let _serial = crate::common::serial();
    check(
        &[
            "construct.args.mixed_op=\"DARTSMixedOp\"",
            "optim.type=\"DARTSOptim\"",
        ],
        &["estim.search.type", "SuperNetEstim", "SubNetEstim"],
    );
    check(
        &[
            "estim.search.type=\"SuperNetEstim\"",
            "estim.search.args={}",
        ],
        &[
            "optim.type",
            "needs a gradient optimizer",
            "RandomSearchOptim",
        ],
    );
}

#[test]
fn a_wrong_pairing_is_refused_before_any_data_naming_the_optimizers_that_fit() {
    // What a pipeline checks before its first process runs.
    let cfg = Config::from_toml(
        GOOD,
        &[
            "estim.search.type=\"SuperNetEstim\"".to_string(),
            "estim.search.args={}".to_string(),
        ],
    )
    .unwrap();
    let err = cfg.validate().unwrap_err().to_string();
    for part in [
        "optim.type",
        "RandomSearchOptim",
        "DARTSOptim",
        "GDASOptim",
        "DrNASOptim",
    ] {
        assert!(err.contains(part), "lacks `{part}`: {err}");
    }
    let fits = &err[err.find('[').unwrap()..];
    assert!(
        !fits.contains("GridSearchOptim"),
        "only gradient ones fit: {err}"
    );
    let other = ["optim.type=\"DARTSOptim\"".to_string()];
    let err = Config::from_toml(GOOD, &other)
        .unwrap()
        .validate()
        .unwrap_err();
    let err = err.to_string();
    for part in [
        "estim.search.type",
        "SuperNetEstim",
        "GridSearchOptim",
        "RandomSearchOptim",
    ] {
        assert!(err.contains(part), "lacks `{part}`: {err}");
    }
    assert!(
        !err[err.find('[').unwrap()..].contains("DARTSOptim"),
        "{err}"
    );
}

#[test]
fn unknown_mixed_op_and_bad_supernet_args_name_the_key() {
    let _serial = crate::common::serial();
    check(
        &["construct.args.mixed_op=\"Nope\""],
        &["construct.args", "unknown mixed op `Nope`", "DARTSMixedOp"],
    );
    check(
        &[
            "construct.args.mixed_op=\"DARTSMixedOp\"",
            "optim.type=\"DARTSOptim\"",
            "estim.search.type=\"SuperNetEstim\"",
            "estim.search.args={ train_portion = 1.5 }",
        ],
        &["SuperNetEstim", "`train_portion` = 1.5"],
    );
}

#[test]
fn normalize_must_be_a_boolean() {
    let _serial = crate::common::serial();
    check(
        &["data.args.normalize=\"yes\""],
        &["`normalize` = \"yes\" must be true or false"],
    );
}

#[test]
fn missing_cifar_file() {
    let _serial = crate::common::serial();
    check(
        &[
            "data.type=\"Cifar10\"",
            "data.args={ files = [\"/no/such/batch.bin\"] }",
        ],
        &["/no/such/batch.bin"],
    );
}

#[test]
fn image_folder_without_class_folders() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let spec = format!(
        "data.args={{ path = {:?} }}",
        dir.path().display().to_string()
    );
    check(
        &["data.type=\"ImageFolder\"", &spec],
        &["no class sub-folders"],
    );
}

#[test]
fn crop_padding_must_be_a_count() {
    let _serial = crate::common::serial();
    check(
        &["trainer.args.crop_padding=-1"],
        &["trainer.args", "crop_padding"],
    );
}

/// `Config::validate`, which pipelines and comparisons run before anything starts, checks a
/// distributed run's keys too.
fn validate_error(overrides: &[&str]) -> String {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let cfg = Config::from_toml(GOOD, &overrides).unwrap();
    match cfg.validate() {
        Ok(()) => panic!("validate accepted {overrides:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn validate_checks_the_workers_table_of_a_distributed_run() {
    let _serial = crate::common::serial();
    let msg = validate_error(&["storage=\"sqlite\"", "workers.in_flight=0"]);
    assert!(
        msg.contains("`workers.in_flight`") && msg.contains("at least 1, got 0"),
        "{msg}"
    );
}

#[test]
fn validate_refuses_storage_for_an_estimator_that_cannot_hand_out_trials() {
    let _serial = crate::common::serial();
    let msg = validate_error(&[
        "storage=\"sqlite\"",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 1 }",
    ]);
    assert!(
        msg.contains("`storage`") && msg.contains("`SuperNetEstim` cannot hand trials to workers"),
        "{msg}"
    );
}

#[test]
fn validate_accepts_a_distributed_run_with_default_workers() {
    let _serial = crate::common::serial();
    let cfg = Config::from_toml(GOOD, &["storage=\"sqlite\"".to_string()]).unwrap();
    cfg.validate().unwrap();
}
