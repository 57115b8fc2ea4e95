//! One failing architecture does not end a search: a candidate that panics and one whose loss
//! becomes NaN are recorded as failed trials, with the reason, and the search goes on.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use modnas::construct::{
    register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec,
};
use modnas::{run::read_journal, run_search, Config};

#[derive(Module, Debug)]
struct Boom;

impl NasModule for Boom {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, _: Tensor<4>) -> Tensor<4> {
        panic!("user model bug: shape mismatch")
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}
register_candidate!(
    /// a candidate of the tests
    "TestBoom", |_: &SlotSpec,
                                 _: &Device|
 -> Result<_, ConstructError> {
    Ok(CandidateBox::new("TestBoom", Boom))
});

/// Outputs NaN everywhere (with the slot's output shape), as a diverged layer would.
#[derive(Module, Debug)]
struct Diverge {
    c_out: usize,
}

impl NasModule for Diverge {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        Tensor::full([n, self.c_out, h, w], f32::NAN, &x.device())
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}
register_candidate!(
    /// a candidate of the tests
    "TestDiverge", |s: &SlotSpec,
                                    _: &Device|
 -> Result<_, ConstructError> {
    Ok(CandidateBox::new("TestDiverge", Diverge { c_out: s.c_out }))
});

/// `TestBoom` fails, `NC3` trains, `TestDiverge` fails.
pub(crate) const CONFIG: &str = r#"
seed = 1
[data]
type = "Synthetic"
args = { n = 32, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4], strides = [1] }
[construct.args]
candidates = ["TestBoom", "NC3", "TestDiverge"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SubNetEstim"
args = { epochs = 1, trials = 3 }
[trainer]
args = { optimizer = "adam", lr = 0.01, batch_size = 16 }
"#;

#[test]
fn failed_trials_are_recorded_and_the_search_goes_on() {
    let _serial = crate::common::serial();
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(
        &Config::from_toml(CONFIG, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (3, 2));
    let best = run.outcome.best.unwrap();
    assert_eq!(best.arch.summary(), "convs.0=\"NC3\"");
    assert!(best.error.is_none() && best.metrics["acc"].is_finite());

    let journal = read_journal(dir.path()).unwrap();
    let failure = |op: &str| {
        let t = journal
            .iter()
            .find(|t| t.arch.summary().contains(op))
            .unwrap();
        assert!(
            t.metrics["acc"].is_nan(),
            "{op}: the objective of a failed trial is NaN"
        );
        t.error.clone().unwrap_or_default()
    };
    assert_eq!(
        failure("TestBoom"),
        "panicked: user model bug: shape mismatch"
    );
    assert_eq!(failure("TestDiverge"), "`train_loss` is NaN");
    let report = modnas::run::RunReport::load(dir.path()).unwrap();
    assert_eq!(report.ranked().len(), 1, "failed trials are not ranked");
    assert!(report.render(5).contains("trials: 3, failed: 2"));
}

/// The identity, except that it fails on batches larger than training's (as a user layer with a
/// fixed batch size would): only batch-norm recalibration of a one-shot search feeds it one.
#[derive(Module, Debug)]
struct BoomOnLargeBatch;

impl NasModule for BoomOnLargeBatch {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        assert!(x.dims()[0] <= 8, "user layer bug: batch {}", x.dims()[0]);
        x
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}
register_candidate!(
    /// a candidate of the tests
    "TestBoomOnLargeBatch", |_: &SlotSpec,
                                             _: &Device|
 -> Result<_, ConstructError> {
    Ok(CandidateBox::new("TestBoomOnLargeBatch", BoomOnLargeBatch))
});

/// A panic while a one-shot estimator recalibrates batch norm in the supernet (the model is
/// moved out of its place then) fails that trial; it does not abort the process, and the
/// supernet serves the next trials.
#[test]
fn a_panic_inside_the_supernet_fails_one_trial() {
    let _serial = crate::common::serial();
    let config = r#"
seed = 3
[data]
type = "Synthetic"
args = { n = 40, classes = 2, size = 4 }
[model]
type = "ConvNet"
args = { channels = [4, 4], strides = [1, 1] }
[construct.args]
mixed_op = "IndexMixedOp"
candidates = ["IDT", "TestBoomOnLargeBatch"]
[optim]
type = "GridSearchOptim"
[estim.search]
type = "SPOSEstim"
args = { epochs = 1, trials = 4, recal_batches = 2, batch_size = 8 }
"#;
    let dir = tempfile::tempdir().unwrap();
    let run = run_search(
        &Config::from_toml(config, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((run.outcome.trials, run.outcome.failed), (4, 3));
    for t in read_journal(dir.path()).unwrap() {
        if t.arch.summary().contains("TestBoomOnLargeBatch") {
            assert_eq!(
                t.error.as_deref(),
                Some("panicked: user layer bug: batch 16"),
                "{}",
                t.arch.summary()
            );
        } else {
            assert!(t.error.is_none() && t.metrics["acc"].is_finite());
        }
    }
}
