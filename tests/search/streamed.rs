//! `StreamedImageTask`: a search over IDX files read lazily (a cache smaller than the data),
//! by random search and by DARTS, from TOML; bad arguments named.

use crate::common::serial;
use flate2::write::GzEncoder;
use modnas::run::read_journal;
use modnas::{run_search, Config, RunMode};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::io::Write;
use std::path::Path;

/// `n` noisy 8×8 images: class 0 bright on top, class 1 bright below; gzipped IDX.
fn write_idx(dir: &Path, n: usize) -> (String, String) {
    let mut rng = StdRng::seed_from_u64(4);
    let mut images = [2051u32, n as u32, 8, 8].map(u32::to_be_bytes).concat();
    let mut labels = [2049u32, n as u32].map(u32::to_be_bytes).concat();
    for i in 0..n {
        let class = i % 2;
        for row in 0..8 {
            let bright = (row < 4) == (class == 0);
            for _ in 0..8 {
                let base = if bright { 180.0 } else { 40.0 };
                images.push((base + rng.random_range(-40.0..40.0)) as u8);
            }
        }
        labels.push(class as u8);
    }
    let gz = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        let mut enc = GzEncoder::new(std::fs::File::create(&path).unwrap(), Default::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap();
        path.display().to_string()
    };
    (gz("images.gz", &images), gz("labels.gz", &labels))
}

fn config(dir: &Path, images: &str, labels: &str) -> String {
    format!(
        r#"seed = 1
[task]
type = "StreamedImageTask"
[task.args]
source = {{ type = "Idx", images = {images:?}, labels = {labels:?} }}
model = {{ type = "ConvNet", args = {{ channels = [4, 8], strides = [1, 2] }} }}
cache = 16
batch_size = 16
lr = 0.01
spool_dir = {spool:?}
[construct.args]
candidates = ["NC3", "SC3"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 3, trials = 2 }}
"#,
        spool = dir.join("spool").display().to_string()
    )
}

#[test]
fn a_search_reads_its_images_lazily_through_a_small_cache() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx(dir.path(), 160);
    let toml = config(dir.path(), &images, &labels);
    for overrides in [
        vec![],
        [
            "construct.args.mixed_op=\"DARTSMixedOp\"",
            "optim.type=\"DARTSOptim\"",
            "optim.args={ lr = 0.01 }",
            "estim.search.type=\"SuperNetEstim\"",
            "estim.search.args={ epochs = 3 }",
        ]
        .map(String::from)
        .to_vec(),
    ] {
        let cfg = Config::from_toml(&toml, &overrides).unwrap();
        let run_dir = dir.path().join(format!("run-{}", overrides.len()));
        let run = run_search(&cfg, &run_dir, RunMode::New, &mut |_| {}).unwrap();
        assert_eq!(run.outcome.failed, 0, "{overrides:?}");
        let journal = read_journal(&run_dir).unwrap();
        let best = journal.iter().map(|t| t.metrics["acc"]).fold(0.0, f64::max);
        assert!(best > 0.9, "{overrides:?}: separable images, acc {best}");
    }
    // The gzipped images were spooled once and reused by the second search.
    let spools = std::fs::read_dir(dir.path().join("spool")).unwrap().count();
    assert_eq!(spools, 1);
}

#[test]
fn a_streamed_tasks_arguments_are_named_when_wrong() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx(dir.path(), 20);
    let toml = config(dir.path(), &images, &labels);
    let run = |o: &str| {
        let cfg = Config::from_toml(&toml, &[o.to_string()])?;
        let out = tempfile::tempdir().unwrap();
        run_search(&cfg, out.path(), RunMode::New, &mut |_| {}).map(|_| ())
    };
    let cases = [
        ("task.args.valid_ratio=1.5", "`valid_ratio` = 1.5"),
        ("task.args.source.images=\"/no/such/file\"", "/no/such/file"),
        ("task.args.source.type=\"Tiff\"", "Tiff"),
        ("task.args.model.type=\"NoSuchNet\"", "NoSuchNet"),
        ("task.args.limit=1", "1 images"),
    ];
    for (o, expect) in cases {
        let err = format!("{:#}", run(o).unwrap_err());
        assert!(err.contains(expect), "{o}: {err}");
    }
}
