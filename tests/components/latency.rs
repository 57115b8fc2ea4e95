//! Latency: the lookup table is measured per candidate and input shape, round-trips through
//! its file, sums to the latency a run records, and refuses a network it cannot serve;
//! aggregate metrics combine their terms.

use modnas::metrics::{build_metric, LatencyTable, TimingArgs};
use modnas::{latency_lut::measure_latency_table, run::read_journal, Config};

const CONFIG: &str = r#"
seed = 3
[data]
type = "Synthetic"
args = { n = 24, classes = 2, size = 6 }
[model]
type = "ConvNet"
args = { channels = [4, 8], strides = [1, 2] }
[construct.args]
candidates = ["NC3", "NC5"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 4 }
"#;

const QUICK: TimingArgs = TimingArgs {
    warmup: 0,
    runs: 2,
    batch: 1,
};

fn table(dir: &std::path::Path) -> (LatencyTable, std::path::PathBuf) {
    let cfg = Config::from_toml(CONFIG, &[]).unwrap();
    let mut seen = 0;
    let table = measure_latency_table(&cfg, &QUICK, &mut |_| seen += 1).unwrap();
    // Two slots with different shapes, two candidates each.
    assert_eq!((table.entries.len(), seen), (4, 4));
    let path = dir.join("lut.toml");
    std::fs::write(&path, table.to_toml()).unwrap();
    (table, path)
}

#[test]
fn a_run_records_the_sum_of_the_table_over_its_candidates() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let (table, path) = table(dir.path());
    assert_eq!(
        LatencyTable::load(&path).unwrap(),
        table,
        "the file round-trips"
    );
    let metric = format!(
        "metrics=[{{ type = \"LUTLatencyMetric\", args = {{ path = {:?} }} }}]",
        path.display().to_string()
    );
    let cfg = Config::from_toml(CONFIG, &[metric]).unwrap();
    crate::common::new_run(&cfg, &dir.path().join("run")).unwrap();
    let first_slot = |op: &str| {
        table
            .entries
            .iter()
            .find(|e| e.op == op && e.c_in == 1)
            .unwrap()
            .median_ms
    };
    let second_slot = |op: &str| {
        table
            .entries
            .iter()
            .find(|e| e.op == op && e.c_in == 4)
            .unwrap()
            .median_ms
    };
    let journal = read_journal(&dir.path().join("run")).unwrap();
    assert_eq!(journal.len(), 4);
    for t in journal {
        let op = |k: &str| t.arch.get(k).unwrap().as_str().unwrap().to_string();
        let expected = first_slot(&op("convs.0")) + second_slot(&op("convs.1"));
        assert!(
            (t.metrics["lut_latency_ms"] - expected).abs() < 1e-12,
            "{:?}",
            t.metrics
        );
    }
}

#[test]
fn a_table_that_cannot_serve_the_network_says_why() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let (mut table, path) = table(dir.path());
    let device = burn::tensor::Device::default();
    let net = crate::common::convnet(&[4, 8], &[1, 2], (6, 2), "NC5", &device);
    let metric_args: toml::Table =
        toml::from_str(&format!("path = {:?}", path.display().to_string())).unwrap();

    table.entries.retain(|e| !(e.op == "NC5" && e.c_in == 4));
    std::fs::write(&path, table.to_toml()).unwrap();
    let metric = build_metric("LUTLatencyMetric", &metric_args).unwrap();
    let err = metric.compute(&net, &[1, 1, 6, 6]).unwrap_err().to_string();
    assert!(
        err.contains("no entry for `NC5` (c_in 4, c_out 8, stride 2) at input [4, 6, 6]"),
        "{err}"
    );

    table.device = "Device<Cuda(0)>".into();
    std::fs::write(&path, table.to_toml()).unwrap();
    let metric = build_metric("LUTLatencyMetric", &metric_args).unwrap();
    let err = metric.compute(&net, &[1, 1, 6, 6]).unwrap_err().to_string();
    assert!(err.contains("measured on `Device<Cuda(0)>`"), "{err}");

    std::fs::write(&path, "device = 3").unwrap();
    let err = build_metric("LUTLatencyMetric", &metric_args)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("lut.toml"), "{err}");
}

#[test]
fn aggregates_combine_their_terms_and_measured_latency_is_positive() {
    let _serial = crate::common::serial();
    let device = burn::tensor::Device::default();
    let net = crate::common::convnet(&[4], &[1], (6, 2), "NC3", &device);
    let shape = [1, 1, 6, 6];
    let value = |name: &str, args: &str| {
        build_metric(name, &toml::from_str(args).unwrap())
            .unwrap()
            .compute(&net, &shape)
            .unwrap()
    };
    let flops = value("FlopsMetric", "");
    let params = value("ParamCountMetric", "");
    let terms = r#"terms = [{ metric = "FlopsMetric", weight = 2.0 }, { metric = "ParamCountMetric", weight = 0.5 }]"#;
    assert_eq!(
        value("WeightedSumMetric", &format!("key = \"c\"\n{terms}")),
        2.0 * flops + 0.5 * params
    );
    let product = value("ProductMetric", &format!("key = \"c\"\n{terms}"));
    assert!((product - flops.powf(2.0) * params.powf(0.5)).abs() < 1e-6 * product);
    let limit = |max: f64| {
        value(
            "ConstraintMetric",
            &format!("key = \"ok\"\nmetric = \"FlopsMetric\"\nmax = {max}"),
        )
    };
    assert_eq!((limit(flops), limit(flops - 1.0)), (1.0, 0.0));
    let latency = value("LatencyMetric", "warmup = 1\nruns = 3");
    assert!(latency.is_finite() && latency > 0.0, "{latency}");
    let err = build_metric(
        "WeightedSumMetric",
        &toml::from_str("key = \"c\"\nterms = [{ metric = \"Nope\" }]").unwrap(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("term `Nope`") && err.contains("FlopsMetric"),
        "{err}"
    );
}

#[test]
fn the_table_times_the_candidates_construct_offers_each_slot() {
    // SimpleCellNet gives its edges their own op set, which wins over `candidates`.
    let text = CONFIG
        .replace(
            "type = \"ConvNet\"\nargs = { channels = [4, 8], strides = [1, 2] }",
            "type = \"SimpleCellNet\"\nargs = { channels = 2 }",
        )
        .replace("candidates = [\"NC3\", \"NC5\"]", "candidates = [\"NC7\"]");
    let cfg = Config::from_toml(&text, &[]).unwrap();
    let items = modnas::latency_lut::latency_items(&cfg).unwrap();
    assert!(!items.is_empty());
    for item in &items {
        assert_eq!(item.ops, modnas::models::SIMPLE_CELL_OPS, "{item:?}");
    }
}
