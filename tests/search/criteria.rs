//! Criteria: the values of the primary losses, MixUp's mixing, metric aggregates, the rules
//! of a chain, and a search trained through one.

use burn::tensor::{Device, Int, Tensor, TensorData};
use modnas::construct::NetBox;
use modnas::estim::criterion::CriterionInput;
use modnas::estim::{CriterionChain, CriterionSpec};
use modnas::{run_search, Config};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn net(device: &Device) -> NetBox {
    crate::common::convnet(&[2], &[1], (4, 3), "NC3", device)
}

fn chain(text: &str) -> Result<CriterionChain, String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        criteria: Vec<CriterionSpec>,
    }
    let doc: Doc = toml::from_str(text).unwrap();
    CriterionChain::new(&doc.criteria).map_err(|e| e.to_string())
}

fn batch(device: &Device, same: bool) -> (Tensor<4>, Tensor<1, Int>) {
    let x = if same {
        Tensor::<4>::ones([4, 1, 4, 4], device).mul_scalar(0.3)
    } else {
        Tensor::<4>::random([4, 1, 4, 4], burn::tensor::Distribution::Default, device)
    };
    let labels: Vec<i64> = if same { vec![1; 4] } else { vec![0, 1, 2, 1] };
    (x, Tensor::from_data(TensorData::new(labels, [4]), device))
}

fn loss_of(c: &CriterionChain, net: &NetBox, (x, y): (Tensor<4>, Tensor<1, Int>)) -> f64 {
    let mut rng = StdRng::seed_from_u64(0);
    let mut input = CriterionInput::new(net, x, y, &mut rng);
    c.loss(&mut input).unwrap().into_scalar::<f64>()
}

fn logits(net: &NetBox, x: Tensor<4>) -> Vec<Vec<f64>> {
    let v: Vec<f32> = net.forward(x).into_data().try_to_vec_as().unwrap();
    v.chunks(3)
        .map(|r| r.iter().map(|x| f64::from(*x)).collect())
        .collect()
}

#[test]
fn primary_losses_match_hand_computation() {
    let _serial = crate::common::serial();
    let device = Device::default();
    let net = net(&device);
    let (x, y) = batch(&device, false);
    let rows = logits(&net, x.clone());
    let labels = [0usize, 1, 2, 1];
    let log_softmax = |r: &[f64]| {
        let m = r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = r.iter().map(|v| (v - m).exp()).sum();
        r.iter().map(|v| v - m - z.ln()).collect::<Vec<_>>()
    };
    let eps = 0.1;
    let smoothed: f64 = rows
        .iter()
        .zip(labels)
        .map(|(r, l)| {
            let lp = log_softmax(r);
            -(0..3)
                .map(|k| (if k == l { 1.0 - eps } else { 0.0 } + eps / 3.0) * lp[k])
                .sum::<f64>()
        })
        .sum::<f64>()
        / 4.0;
    let c = chain(
        "criteria = [{ type = \"CrossEntropyCriterion\", args = { label_smoothing = 0.1 } }]",
    )
    .unwrap();
    assert!((loss_of(&c, &net, (x.clone(), y.clone())) - smoothed).abs() < 1e-5);

    let mse: f64 = rows
        .iter()
        .zip(labels)
        .map(|(r, l)| {
            let p: Vec<f64> = log_softmax(r).iter().map(|v| v.exp()).collect();
            (0..3)
                .map(|k| (p[k] - f64::from(u8::from(k == l))).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / 12.0;
    let c = chain("criteria = [{ type = \"MSECriterion\" }]").unwrap();
    assert!((loss_of(&c, &net, (x, y)) - mse).abs() < 1e-6);
}

#[test]
fn mixup_of_identical_samples_is_plain_cross_entropy_and_metrics_add() {
    let _serial = crate::common::serial();
    let device = Device::default();
    let net = net(&device);
    let plain = CriterionChain::new(&[]).unwrap();
    let mixup =
        chain("criteria = [{ type = \"MixUpCriterion\", args = { alpha = 0.4 } }]").unwrap();
    let same = batch(&device, true);
    let (a, b) = (
        loss_of(&plain, &net, same.clone()),
        loss_of(&mixup, &net, same),
    );
    assert!((a - b).abs() < 1e-5, "{a} vs {b}");

    let flops = modnas::metrics::build_metric("FlopsMetric", &toml::Table::new())
        .unwrap()
        .compute(&net, &[1, 1, 4, 4])
        .unwrap();
    let with_flops = chain(
        r#"criteria = [
            { type = "CrossEntropyCriterion" },
            { type = "AddMetricCriterion", args = { metric = "FlopsMetric", weight = 0.001 } },
        ]"#,
    )
    .unwrap();
    let other = batch(&device, false);
    let base = loss_of(&plain, &net, other.clone());
    assert!((loss_of(&with_flops, &net, other) - (base + 0.001 * flops)).abs() < 1e-4);
}

#[test]
fn a_chain_starts_with_one_primary_criterion() {
    let _serial = crate::common::serial();
    let err = chain(
        "criteria = [{ type = \"AddMetricCriterion\", args = { metric = \"FlopsMetric\" } }]",
    )
    .unwrap_err();
    assert!(
        err.contains("`criteria[0]`") && err.contains("must compute a loss"),
        "{err}"
    );
    let err =
        chain("criteria = [{ type = \"CrossEntropyCriterion\" }, { type = \"MixUpCriterion\" }]")
            .unwrap_err();
    assert!(err.contains("`criteria[1]` = `MixUpCriterion`"), "{err}");
    let err = chain("criteria = [{ type = \"FocalLoss\" }]").unwrap_err();
    assert!(
        err.contains("`FocalLoss`") && err.contains("CrossEntropyCriterion"),
        "{err}"
    );
    let err =
        chain("criteria = [{ type = \"MixUpCriterion\", args = { alpha = 0 } }]").unwrap_err();
    assert!(err.contains("`alpha` = 0"), "{err}");
}

#[test]
fn a_search_trains_through_the_configured_chain() {
    let _serial = crate::common::serial();
    let text = &format!("seed = 4\n{}", crate::common::TRAIN_ONE);
    let train_loss = |criteria: &str| {
        let overrides = [
            format!("trainer.args.criteria={criteria}"),
            "estim.search.args.epochs=20".to_string(),
        ];
        let cfg = Config::from_toml(text, &overrides).unwrap();
        let dir = tempfile::tempdir().unwrap();
        crate::common::new_run(&cfg, dir.path())
            .unwrap()
            .outcome
            .best
            .unwrap()
            .metrics["train_loss"]
    };
    let plain = train_loss("[]");
    let smoothed =
        train_loss("[{ type = \"CrossEntropyCriterion\", args = { label_smoothing = 0.3 } }]");
    let mixup = train_loss("[{ type = \"MixUpCriterion\" }]");
    assert!(plain.is_finite() && smoothed.is_finite() && mixup.is_finite());
    assert!(
        smoothed > plain,
        "smoothing raises the loss floor: {smoothed} vs {plain}"
    );
    assert_ne!(mixup, plain);
}

#[test]
fn distillation_learns_from_a_trained_teacher() {
    let _serial = crate::common::serial();
    let text = &format!(
        "seed = 6\n{}",
        crate::common::TRAIN_ONE.replace(
            "type = \"DefaultEstim\"",
            "type = \"DefaultEstim\"\nargs = { epochs = 3 }"
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let teacher = dir.path().join("teacher");
    run_search(
        &Config::from_toml(text, &[]).unwrap(),
        &teacher,
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    let train_loss = |weight: f64| {
        let criteria = format!(
            "trainer.args.criteria=[{{ type = \"CrossEntropyCriterion\" }}, {{ type = \"KnowledgeDistillCriterion\", args = {{ teacher = {:?}, weight = {weight}, temperature = 2.0 }} }}]",
            teacher.display().to_string()
        );
        let cfg = Config::from_toml(text, &[criteria, "model.args.channels=[2]".into()]).unwrap();
        let out = tempfile::tempdir().unwrap();
        crate::common::new_run(&cfg, out.path())
            .unwrap()
            .outcome
            .best
            .unwrap()
            .metrics["train_loss"]
    };
    let plain = {
        let cfg = Config::from_toml(text, &["model.args.channels=[2]".into()]).unwrap();
        let out = tempfile::tempdir().unwrap();
        crate::common::new_run(&cfg, out.path())
            .unwrap()
            .outcome
            .best
            .unwrap()
            .metrics["train_loss"]
    };
    // Weight 0 leaves the loss alone; weight 1 trains on the teacher's soft labels only.
    assert_eq!(train_loss(0.0), plain);
    let distilled = train_loss(1.0);
    assert!(
        distilled.is_finite() && distilled != plain,
        "{distilled} vs {plain}"
    );

    let missing = format!(
        "trainer.args.criteria=[{{ type = \"CrossEntropyCriterion\" }}, {{ type = \"KnowledgeDistillCriterion\", args = {{ teacher = {:?} }} }}]",
        dir.path().join("nowhere").display().to_string()
    );
    let err = run_search(
        &Config::from_toml(text, &[missing]).unwrap(),
        &dir.path().join("student"),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.is_input_error());
    assert!(err.to_string().contains("no `model.bpk` there"), "{err}");
}

#[test]
fn supernets_train_on_the_image_trainers_chain_when_it_sets_one() {
    use modnas::estim::{cross_entropy, ImageClsTrainer, TrialTrainer};
    let _serial = crate::common::serial();
    let device = Device::default();
    let net = net(&device);
    let (x, y) = batch(&device, false);
    let smoothing =
        "criteria = [{ type = \"CrossEntropyCriterion\", args = { label_smoothing = 0.3 } }]";
    let batch_loss = |args: &str| {
        let trainer = ImageClsTrainer::from_args(&toml::from_str(args).unwrap()).unwrap();
        let mut rng = StdRng::seed_from_u64(0);
        let loss = trainer.batch_loss(&net, x.clone(), y.clone(), &mut rng);
        loss.unwrap().into_scalar::<f64>()
    };
    let plain = cross_entropy(&net, x.clone(), y.clone()).into_scalar::<f64>();
    assert_eq!(batch_loss(""), plain);
    let smoothed = batch_loss(smoothing);
    assert_eq!(smoothed, loss_of(&chain(smoothing).unwrap(), &net, (x, y)));
    assert!((smoothed - plain).abs() > 1e-4, "{smoothed} vs {plain}");
}
