//! A candidate registered by a user crate with one macro line is buildable by name.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use modnas::construct::{build_candidate, candidate_names, construct, CandidateSets, Slot};
use modnas::core::MetricMap;
use modnas::estim::EstimError;
use modnas::prelude::*;

/// A user op: scales its input by 2 (channels must match).
#[derive(Module, Debug)]
struct Doubler {
    c_out: usize,
}

impl NasModule for Doubler {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        x * 2.0
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}

fn doubler(spec: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
    Ok(CandidateBox::new("Doubler", Doubler { c_out: spec.c_out }))
}
register_candidate!(
    /// a candidate of the tests
    "UserDoubler", doubler);

#[test]
fn user_candidate_is_listed_and_buildable() {
    let _serial = crate::common::serial();
    assert!(candidate_names().contains(&"UserDoubler"));
    let device = Device::default();
    let op = build_candidate("UserDoubler", &SlotSpec::new(2, 2, 1), &device).unwrap();
    assert_eq!(op.name(), "UserDoubler");
    let y = op.forward(Tensor::ones([1, 2, 3, 3], &device));
    assert_eq!(y.sum().into_scalar::<f32>(), 36.0);
    assert!(op.downcast_ref::<Doubler>().is_some());
}

#[test]
fn user_candidate_fills_slots_through_construct() {
    let _serial = crate::common::serial();
    #[derive(Module, Debug)]
    struct Net {
        a: Slot,
    }
    let device = Device::default();
    let c = construct(
        Net {
            a: Slot::new(2, 2, 1),
        },
        &CandidateSets::uniform(["UserDoubler", "NC3"]),
        &device,
    )
    .unwrap();
    assert_eq!(c.model.a.entity().unwrap().name(), "UserDoubler");
}

#[test]
fn unknown_candidate_lists_known_names() {
    let _serial = crate::common::serial();
    let err = build_candidate("NC4", &SlotSpec::new(2, 2, 1), &Device::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown candidate `NC4`"), "{err}");
    assert!(
        err.contains("NC3") && err.contains("MB7E6") && err.contains("UserDoubler"),
        "{err}"
    );
}

/// Builds of the counted candidates below, by every test in this binary.
static COUNTED_BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn counted(
    inner: &'static str,
    name: &'static str,
) -> impl Fn(&SlotSpec, &Device) -> Result<CandidateBox, ConstructError> {
    move |spec, device| {
        COUNTED_BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(build_candidate(inner, spec, device)?.renamed(name))
    }
}

fn counted_nc3(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError> {
    counted("NC3", "CountedNC3")(spec, device)
}
fn counted_idt(spec: &SlotSpec, device: &Device) -> Result<CandidateBox, ConstructError> {
    counted("IDT", "CountedIDT")(spec, device)
}
register_candidate!(
    /// a candidate of the tests
    "CountedNC3", counted_nc3);
register_candidate!(
    /// a candidate of the tests
    "CountedIDT", counted_idt);

#[test]
fn each_trial_builds_each_chosen_candidate_once() {
    let _serial = crate::common::serial();
    // The search tests' run (2 slots, 4 trials) over the counted candidates.
    let candidates = r#"construct.args.candidates=["CountedNC3", "CountedIDT"]"#;
    let cfg = modnas::Config::from_toml(crate::search::BASE, &[candidates.into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let before = COUNTED_BUILDS.load(std::sync::atomic::Ordering::SeqCst);
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 4);
    let builds = COUNTED_BUILDS.load(std::sync::atomic::Ordering::SeqCst) - before;
    // Building the space builds both candidates of both slots once (to learn that they hold
    // no slots of their own); then each of the 4 trials builds its choice for its 2 slots.
    assert_eq!(builds, 2 * 2 + 4 * 2);
}

/// A user optimizer whose policy has collapsed: it proposes the space's first architecture for
/// ever.
struct SameArchOptim(ArchDesc);

impl modnas::optim::ArchOptim for SameArchOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, modnas::optim::OptimError> {
        Ok(vec![self.0.clone(); n])
    }
    fn step(
        &mut self,
        _: &ArchDesc,
        _: &modnas::core::MetricMap,
    ) -> Result<(), modnas::optim::OptimError> {
        Ok(())
    }
}

modnas::optim::register_optim!(
    /// proposes the space's current architecture again and again (tests)
    "SameArchOptim", |space, _args: modnas::core::NoArgs, _seed| {
        Ok(SameArchOptim(space.to_desc()))
    }
);

#[test]
fn an_optimizer_that_only_repeats_stops_the_search_with_the_reason() {
    let _serial = crate::common::serial();
    let cfg = modnas::Config::from_toml(
        crate::search::BASE,
        &["optim.type=\"SameArchOptim\"".into()],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!(run.outcome.trials, 1, "evaluated once");
    assert_eq!(run.outcome.stop, modnas::estim::StopReason::OnlyRepeats);
}

/// The arguments of [`blobs`].
#[modnas::core::nas_config]
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BlobsArgs {
    /// Rows.
    #[config(default = 64)]
    n: usize,
}

/// A user data source: two separable blobs of 4 features, read through a Burn `Dataset`.
fn blobs(args: BlobsArgs, seed: u64) -> Result<modnas::estim::data::ImageDataset, EstimError> {
    use burn::data::dataset::InMemDataset;
    let n = args.n;
    let rows: Vec<(Vec<f32>, usize)> = (0..n)
        .map(|i| {
            let label = i % 2;
            let jitter = ((i as u64 * 7919 + seed) % 13) as f32 / 13.0;
            let centre = if label == 0 { -1.0 } else { 1.0 };
            (vec![centre + jitter * 0.3; 4], label)
        })
        .collect();
    modnas::estim::data::ImageDataset::from_dataset(&InMemDataset::new(rows), [4, 1, 1], 2, Ok)
}
modnas::estim::register_data!(
    /// two separable blobs of 4 features (tests)
    "UserBlobs", |args: BlobsArgs, seed| blobs(args, seed)
);

/// A space over [`blobs`]: one slot of a small ConvNet, a 1×1 convolution or the identity.
/// The blobs are separable, so any search learns them in a few epochs.
pub const BLOBS_SPACE: &str = r#"
[data]
type = "UserBlobs"
args = { n = 96 }
[model]
type = "ConvNet"
args = { channels = [8], strides = [1] }
[construct.args]
candidates = ["NC1", "IDT"]
"#;

#[test]
fn a_user_data_source_built_from_a_burn_dataset_feeds_a_config_search() {
    let _serial = crate::common::serial();
    let text = r#"
[data]
type = "UserBlobs"
args = { n = 80, valid_ratio = 0.25 }
[model]
type = "ConvNet"
args = { channels = [8], strides = [1] }
[construct.args]
candidates = ["NC1", "IDT"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 3, trials = 2 }
"#;
    let cfg = modnas::Config::from_toml(text, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (2, 0));
    let best = run.outcome.best.unwrap();
    assert!(
        best.metrics["acc"] > 0.9,
        "separable blobs: {:?}",
        best.metrics
    );
    // Its own keys reach it; a typo of the config's is still caught by name.
    let bad = modnas::Config::from_toml(
        &text.replace("type = \"UserBlobs\"", "type = \"UserBlob\""),
        &[],
    )
    .unwrap()
    .validate()
    .unwrap_err()
    .to_string();
    assert!(bad.contains("UserBlobs") && bad.contains("Digits"), "{bad}");
}

/// A user trainer: modnas's image trainer for the weights, its own metric for the search.
struct ErrorRateTrainer(modnas::estim::ImageClsTrainer);

impl modnas::estim::TrialTrainer for ErrorRateTrainer {
    fn train(
        &self,
        net: NetBox,
        data: &modnas::estim::data::ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
        reporter: &mut modnas::estim::TrialReporter<'_>,
    ) -> Result<(NetBox, f64), EstimError> {
        self.0.train(net, data, epochs, device, seed, reporter)
    }

    fn evaluate(
        &self,
        net: &NetBox,
        data: &modnas::estim::data::ImageDataset,
        device: &Device,
    ) -> Result<MetricMap, EstimError> {
        let stats = self.0.evaluate(net, data, device);
        Ok(MetricMap::from([(
            "error_rate".to_string(),
            1.0 - stats.acc,
        )]))
    }
}

modnas::estim::register_trainer!(
    /// the image trainer, scored by its error rate (tests)
    "UserErrorRateTrainer", |args: modnas::estim::TrainerArgs| {
        Ok(Box::new(ErrorRateTrainer(modnas::estim::ImageClsTrainer::new(args)?)))
    }
);

#[test]
fn a_registered_trainer_chosen_in_toml_scores_every_trial() {
    let _serial = crate::common::serial();
    let text = &format!(
        r#"{BLOBS_SPACE}
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = 3, trials = 2, objective = "error_rate", mode = "min" }}
[trainer]
type = "UserErrorRateTrainer"
args = {{ lr = 0.05 }}
"#
    );
    let cfg = modnas::Config::from_toml(text, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    let journal = modnas::run::read_journal(dir.path()).unwrap();
    assert_eq!(journal.len(), 2);
    for t in &journal {
        assert!(t.metrics.contains_key("error_rate") && !t.metrics.contains_key("acc"));
        assert!(t.metrics.contains_key("train_loss"), "{:?}", t.metrics);
    }
    let lowest = journal
        .iter()
        .map(|t| t.metrics["error_rate"])
        .fold(f64::INFINITY, f64::min);
    assert_eq!(run.outcome.best.unwrap().metrics["error_rate"], lowest);
    // Its arguments are its own: the image trainer's checks still run.
    let bad = modnas::Config::from_toml(&text.replace("lr = 0.05", "lr = -1.0"), &[])
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(bad.contains("trainer.args") && bad.contains("lr"), "{bad}");
    let unknown = modnas::Config::from_toml(&text.replace("UserErrorRateTrainer", "Nope"), &[])
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("ImageClsTrainer") && unknown.contains("UserErrorRateTrainer"),
        "{unknown}"
    );
}
