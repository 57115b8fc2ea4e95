//! A registered trainer brings its own loss and metrics to weight-sharing search: DARTS
//! (`SuperNetEstim`) and SPOS (`SPOSEstim`) chosen in TOML minimise its batch loss and score
//! with its metrics.

use burn::tensor::{Device, Int, Tensor};
use modnas::construct::NetBox;
use modnas::core::MetricMap;
use modnas::estim::data::ImageDataset;
use modnas::estim::{cross_entropy, EstimError, ImageClsTrainer, TrialReporter, TrialTrainer};
use rand::rngs::StdRng;

/// A task that is not the data's: predict the class after the labelled one. Training on the
/// labels as they are would score near 0 on `next_acc`.
struct NextClassTrainer {
    classes: usize,
    image: ImageClsTrainer,
}

impl NextClassTrainer {
    fn next(&self, y: Tensor<1, Int>) -> Tensor<1, Int> {
        (y + 1).remainder_scalar(self.classes as i64)
    }
}

impl TrialTrainer for NextClassTrainer {
    fn train(
        &self,
        net: NetBox,
        data: &ImageDataset,
        epochs: usize,
        device: &Device,
        seed: u64,
        reporter: &mut TrialReporter<'_>,
    ) -> Result<(NetBox, f64), EstimError> {
        self.image.train(net, data, epochs, device, seed, reporter)
    }

    fn evaluate(
        &self,
        net: &NetBox,
        data: &ImageDataset,
        device: &Device,
    ) -> Result<MetricMap, EstimError> {
        let (x, y) = data.batch(&(0..data.len()).collect::<Vec<_>>(), device);
        let predicted = net.forward(x).argmax(1).reshape([data.len()]);
        let hits = |labels: Tensor<1, Int>| {
            let n: i64 = predicted.clone().equal(labels).int().sum().into_scalar();
            n as f64 / data.len() as f64
        };
        Ok(MetricMap::from([
            ("next_acc".to_string(), hits(self.next(y.clone()))),
            ("acc".to_string(), hits(y)),
        ]))
    }

    fn batch_loss(
        &self,
        net: &NetBox,
        x: Tensor<4>,
        y: Tensor<1, Int>,
        _rng: &mut StdRng,
    ) -> Result<Tensor<1>, EstimError> {
        Ok(cross_entropy(net, x, self.next(y)))
    }
}

/// The arguments of [`NextClassTrainer`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NextClassArgs {
    /// Classes of the data (at least 2).
    classes: usize,
}

modnas::estim::register_trainer!(
    /// trains each trial to predict the next class (tests)
    "UserNextClassTrainer", |args: NextClassArgs| {
        if args.classes < 2 {
            return Err(EstimError::InvalidArgs {
                component: "UserNextClassTrainer".into(),
                reason: format!("`classes` must be at least 2, got {}", args.classes),
            });
        }
        Ok(Box::new(NextClassTrainer {
            classes: args.classes,
            image: ImageClsTrainer::new(modnas::estim::TrainerArgs::default())?,
        }))
    }
);

/// The blobs space of `registry.rs`, trained for the task of [`NextClassTrainer`].
fn base() -> String {
    format!(
        "seed = 1\n{}\n[trainer]\ntype = \"UserNextClassTrainer\"\nargs = {{ classes = 2 }}\n",
        crate::registry::BLOBS_SPACE
    )
}

fn run(overrides: &[&str]) -> Vec<modnas::estim::Trial> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let cfg = modnas::Config::from_toml(&base(), &overrides).unwrap();
    let dir = tempfile::tempdir().unwrap();
    crate::common::new_run(&cfg, dir.path()).unwrap();
    modnas::run::read_journal(dir.path()).unwrap()
}

fn assert_learned_the_trainers_task(trials: &[modnas::estim::Trial], what: &str) {
    let best = trials
        .iter()
        .map(|t| (t.metrics["next_acc"], t.metrics["acc"]))
        .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
    assert!(
        best.0 > 0.9 && best.1 < 0.1,
        "{what}: (next_acc, acc) = {best:?}"
    );
}

#[test]
fn darts_minimises_a_registered_trainers_loss_and_scores_with_its_metrics() {
    let _serial = crate::common::serial();
    let trials = run(&[
        "construct.args.mixed_op=\"DARTSMixedOp\"",
        "optim.type=\"DARTSOptim\"",
        "estim.search.type=\"SuperNetEstim\"",
        "estim.search.args={ epochs = 8, batch_size = 8 }",
    ]);
    assert_eq!(trials.len(), 8, "one trial per epoch");
    assert!(trials.iter().all(|t| t.metrics.contains_key("train_loss")));
    assert_learned_the_trainers_task(&trials, "SuperNetEstim");
}

#[test]
fn spos_trains_its_supernet_on_a_registered_trainers_loss() {
    let _serial = crate::common::serial();
    let trials = run(&[
        "construct.args.mixed_op=\"IndexMixedOp\"",
        "optim.type=\"RandomSearchOptim\"",
        "estim.search.type=\"SPOSEstim\"",
        "estim.search.args={ epochs = 6, trials = 2, batch_size = 8, objective = \"next_acc\" }",
    ]);
    assert_eq!(trials.len(), 2, "both architectures");
    assert_learned_the_trainers_task(&trials, "SPOSEstim");
}
