//! Weight-sharing search: separation of weight and α steps, convergence of DARTS and GDAS on
//! a task with one right candidate, every method end to end, and export → augment.

use crate::common::{serial, tiny_darts, trainable, DARTS_SEARCH as SEARCH};
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Int, Tensor};
use modnas::construct::{
    construct, list_slots, register_candidate, CandidateBox, CandidateSets, ConstructError, Cost,
    MixedHandle, NasModule, NetBox, Slot, SlotSpec,
};
use modnas::estim::{
    arch_grads_on, arch_step, backward_on, read_arch_file, weight_step, ImageClsTrainer, StepLoss,
    StepParts, SuperNetArgs, SuperNetEstim, TrainerArgs, TrainerLoss,
};
use modnas::models::DARTS_OPS;
use modnas::optim::{build_gradient_optim, ArchProblem, Backward, OptimError, Split};
use modnas::param_space::TensorParam;
use modnas::{run_search, Config};
use rand::{rngs::StdRng, SeedableRng};

fn alphas_of(space: &modnas::param_space::ParamSpace) -> Vec<TensorParam> {
    space.tensor_params().into_iter().map(|(_, t)| t).collect()
}

/// A DARTS supernet (3 cells of 2 nodes, C = 4, every DARTS op on every edge) for 1-channel
/// images, weights drawn with `seed`.
struct DartsSupernet {
    model: NetBox,
    space: modnas::param_space::ParamSpace,
    mixed: Vec<MixedHandle>,
    alphas: Vec<TensorParam>,
}

fn darts_supernet(device: &Device, seed: u64) -> DartsSupernet {
    device.seed(seed);
    let net = tiny_darts(1, 3, 4, device);
    let c = construct(
        net,
        &CandidateSets::mixed("DARTSMixedOp", DARTS_OPS),
        device,
    )
    .unwrap();
    DartsSupernet {
        model: NetBox::new("", c.model),
        alphas: alphas_of(&c.space),
        space: c.space,
        mixed: c.mixed,
    }
}

#[test]
fn weight_steps_never_touch_alpha_and_arch_steps_never_touch_weights() {
    let _serial = serial();
    let device = Device::default().autodiff();
    let DartsSupernet {
        model,
        space,
        mixed,
        alphas,
    } = darts_supernet(&device, 1);
    assert_eq!(alphas.len(), 10);
    let batch = || -> (Tensor<4>, Tensor<1, Int>) {
        (
            Tensor::random([4, 1, 8, 8], Distribution::Default, &device),
            Tensor::<1, Int>::from_ints([0, 1, 2, 1], &device),
        )
    };
    let trainer = ImageClsTrainer::new(TrainerArgs::default()).unwrap();
    let estim = SuperNetEstim::new(toml::from_str::<SuperNetArgs>("").unwrap()).unwrap();
    let mut weights = estim.weight_optimizer();
    let mut rng = StdRng::seed_from_u64(0);
    let mut parts = StepParts {
        alphas: &alphas,
        handles: &mixed,
        loss: &TrainerLoss(&trainer),
        weights: &mut weights,
        grad_clip: 5.0,
        rng: &mut rng,
        cost: None,
    };
    let a0: Vec<Vec<f32>> = alphas.iter().map(TensorParam::to_vec).collect();
    let w0 = trainable(&model);
    let (model, _) = weight_step(model, &batch(), 0.1, &mut parts, None).unwrap();
    assert_eq!(
        alphas.iter().map(TensorParam::to_vec).collect::<Vec<_>>(),
        a0
    );
    let w1 = trainable(&model);
    assert_ne!(w1, w0, "the weight step trains the weights");

    let mut optim = build_gradient_optim(
        "DARTSOptim",
        &space,
        &toml::from_str("order = 2").unwrap(),
        0,
    )
    .unwrap();
    let g = optim.as_mut();
    let model = arch_step(model, batch(), batch(), 0.1, 3e-4, &mut parts, g).unwrap();
    assert_eq!(
        trainable(&model),
        w1,
        "the arch step leaves the weights alone"
    );
    assert_ne!(
        alphas.iter().map(TensorParam::to_vec).collect::<Vec<_>>(),
        a0
    );
}

#[test]
fn arch_only_gradients_equal_those_of_the_full_backward() {
    let _serial = serial();
    let device = Device::default().autodiff();
    let net = darts_supernet(&device, 2);
    let (model, mixed, alphas) = (net.model, net.mixed, net.alphas);
    let batch = (
        Tensor::random([4, 1, 8, 8], Distribution::Default, &device),
        Tensor::<1, Int>::from_ints([0, 1, 2, 1], &device),
    );
    let trainer = ImageClsTrainer::new(TrainerArgs::default()).unwrap();
    let trainer_loss = TrainerLoss(&trainer);
    let loss: StepLoss<'_, _, _> = (&trainer_loss, None);
    let seeded = || StdRng::seed_from_u64(4);
    // α-only first, on a model whose lazy weights were never read: the weights must stay
    // tracked for the full backward that follows.
    let only = arch_grads_on(&model, &batch, &alphas, &mixed, loss, &mut seeded()).unwrap();
    let full = backward_on(&model, &batch, &alphas, &mixed, loss, &mut seeded()).unwrap();
    assert_eq!(full.weights.len(), trainable_tensors(&model));
    assert_eq!(only.len(), full.arch.len());
    let mut reached = 0;
    for (got, want) in only.into_iter().zip(full.arch) {
        let got = got.into_data().try_to_vec_as::<f32>().unwrap();
        let want = want.into_data().try_to_vec_as::<f32>().unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                "{got:?} vs {want:?}"
            );
        }
        reached += want.iter().any(|w| *w != 0.0) as usize;
    }
    assert_eq!(reached, alphas.len(), "every α gets a gradient");
}

/// How many float parameters of `m` require a gradient (at least one).
fn trainable_tensors<M: Module>(m: &M) -> usize {
    struct Count(usize);
    impl burn::module::ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
            self.0 += p.is_require_grad() as usize;
        }
    }
    let mut c = Count(0);
    m.visit(&mut c);
    assert!(c.0 > 0, "no trainable parameter");
    c.0
}

/// `x + N(0, 1)`: a candidate that is never right on a copy task.
#[derive(Module, Debug)]
struct Noisy;

impl NasModule for Noisy {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let noise = Tensor::random(x.dims(), Distribution::Normal(0.0, 1.0), &x.device());
        x + noise
    }
    fn cost(&self, input: &[usize]) -> Cost {
        Cost::new(0, input.to_vec())
    }
}
register_candidate!(
    /// a candidate of the tests
    "TestNoisy", |_: &SlotSpec,
                                  _: &Device|
 -> Result<_, ConstructError> {
    Ok(CandidateBox::new("TestNoisy", Noisy))
});

#[derive(Module, Debug)]
struct Copy {
    slot: Slot,
}

/// Learn `y = x` with one slot over {NIL, TestNoisy, IDT}; the weights are parameter-free.
struct CopyTask {
    model: Copy,
    alpha: TensorParam,
    handles: Vec<MixedHandle>,
    rng: StdRng,
    device: Device,
}

impl ArchProblem for CopyTask {
    fn alphas(&self) -> Vec<TensorParam> {
        vec![self.alpha.clone()]
    }
    fn backward(&mut self, _split: Split) -> Result<Backward, OptimError> {
        MixedHandle::resample_all(&self.handles, &mut self.rng);
        let x = Tensor::<4>::random([8, 2, 3, 3], Distribution::Normal(0.0, 1.0), &self.device);
        let loss = (self.model.slot.forward(x.clone()) - x)
            .powi_scalar(2)
            .mean();
        let mut grads = loss.backward();
        let arch = vec![self.alpha.value().grad_remove(&mut grads).unwrap()];
        Ok(Backward {
            arch,
            weights: GradientsParams::new(),
            loss: loss.detach(),
        })
    }
    fn shift_weights(&mut self, _: &GradientsParams, _: f64, _: f64) {}
    fn grad_sq_norm(&self, _: &GradientsParams) -> f64 {
        0.0
    }
    fn save_weights(&mut self) {}
    fn restore_weights(&mut self) {}
    fn weight_lr(&self) -> f64 {
        0.0
    }
    fn weight_decay(&self) -> f64 {
        0.0
    }
}

fn copy_task_choice(mixed_op: &str, optim: &str) -> (String, Vec<f32>) {
    let device = Device::default().autodiff();
    device.seed(7);
    let sets = CandidateSets::mixed(mixed_op, ["NIL", "TestNoisy", "IDT"]);
    let c = construct(
        Copy {
            slot: Slot::new(2, 2, 1),
        },
        &sets,
        &device,
    )
    .unwrap();
    let mut task = CopyTask {
        model: c.model,
        alpha: alphas_of(&c.space).remove(0),
        handles: c.mixed.clone(),
        rng: StdRng::seed_from_u64(3),
        device,
    };
    let mut o =
        build_gradient_optim(optim, &c.space, &toml::from_str("lr = 0.03").unwrap(), 0).unwrap();
    let g = o.as_mut();
    if let Some(tau) = g.temperature(0, 1) {
        task.handles[0].set_temperature(tau.min(1.0));
    }
    for _ in 0..300 {
        g.step(&mut task).unwrap();
    }
    (
        task.handles[0].choice().to_string(),
        task.handles[0].weights(),
    )
}

#[test]
fn darts_gdas_and_drnas_put_the_largest_alpha_on_the_right_candidate() {
    let _serial = serial();
    for (op, optim) in [
        ("DARTSMixedOp", "DARTSOptim"),
        ("GumbelMaxMixedOp", "GDASOptim"),
        ("DirichletMixedOp", "DrNASOptim"),
    ] {
        let (choice, w) = copy_task_choice(op, optim);
        assert_eq!(choice, "IDT", "{optim}: weights {w:?}");
        assert!(w[2] > 0.5, "{optim}: weights {w:?}");
    }
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_gradient_method_searches_end_to_end() {
    let _serial = serial();
    for (op, optim) in [
        ("DARTSMixedOp", "DARTSOptim"),
        ("DARTSMixedOp", "DirectGradOptim"),
        ("GumbelMaxMixedOp", "GDASOptim"),
        ("GumbelSumMixedOp", "SNASOptim"),
        ("BinaryGateMixedOp", "BinaryGateOptim"),
        ("BinaryGateUniformMixedOp", "BinaryGateOptim"),
        ("DirichletMixedOp", "DrNASOptim"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let overrides = [
            format!("construct.args.mixed_op=\"{op}\""),
            format!("optim.type=\"{optim}\""),
        ];
        let cfg = Config::from_toml(SEARCH, &overrides).unwrap();
        let run = crate::common::new_run(&cfg, dir.path()).unwrap();
        assert_eq!(run.outcome.trials, 2, "{optim}");
        let trials = lines(&dir.path().join("trials.jsonl"));
        assert_eq!(trials.len(), 2);
        assert_eq!(trials[1]["arch"].as_object().unwrap().len(), 10, "{optim}");
        let alphas = lines(&dir.path().join("alphas.jsonl"));
        assert_eq!(alphas.len(), 2);
        let w = alphas[1]["params"]["normal.e0"].as_object().unwrap();
        let total: f64 = w.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-4, "{optim}: {w:?}");
        assert!(trials[1]["metrics"]["acc"].is_number());
        // The α trajectory of the first parameter is drawn into the run directory.
        modnas::draw_run(dir.path()).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("alphas-normal.e0.svg")).unwrap();
        assert!(svg.contains("<svg") && svg.contains("IDT"), "{optim}");
    }
}

#[test]
fn plotting_an_unknown_parameter_names_the_known_ones() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    run_search(
        &Config::from_toml(SEARCH, &[]).unwrap(),
        dir.path(),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    let svg = modnas::viz::plot_alphas(dir.path(), Some("reduce.e4")).unwrap();
    assert!(svg.ends_with("alphas-reduce.e4.svg") && svg.exists());
    let err = modnas::viz::plot_alphas(dir.path(), Some("nope")).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("unknown parameter `nope`") && msg.contains("normal.e0"),
        "{msg}"
    );
}

#[test]
fn second_order_darts_is_deterministic_for_a_seed() {
    let _serial = serial();
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::from_toml(SEARCH, &["optim.args.order=2".to_string()]).unwrap();
        crate::common::new_run(&cfg, dir.path()).unwrap();
        let mut t = lines(&dir.path().join("trials.jsonl"));
        t.iter_mut().for_each(|t| t["seconds"] = 0.into());
        (
            t,
            std::fs::read_to_string(dir.path().join("alphas.jsonl")).unwrap(),
        )
    };
    assert_eq!(run(), run());
}

#[test]
fn a_discrete_optimizer_is_refused_by_the_supernet_estimator() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(SEARCH, &["optim.type=\"RandomSearchOptim\"".to_string()]).unwrap();
    let err = crate::common::new_run(&cfg, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a gradient optimizer"), "{err}");
}

#[test]
fn export_then_augment_rebuilds_exactly_the_exported_ops() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(SEARCH, &[]).unwrap();
    crate::common::new_run(&cfg, dir.path()).unwrap();
    let arch = read_arch_file(&dir.path().join("best.toml")).unwrap();
    // Every node keeps 2 in-edges: node 0 has 2, node 1 has 3, one of which is dropped.
    for kind in ["normal", "reduce"] {
        let nil = (0..5)
            .filter(|e| arch.get(&format!("{kind}.e{e}")).unwrap().as_str() == Some("NIL"))
            .count();
        assert!(nil >= 1, "{kind}: {}", arch.summary());
    }
    // The augment network (twice the channels, a fixed architecture) holds exactly those ops.
    let device = Device::default();
    let net = tiny_darts(3, 3, 8, &device);
    let mut c = construct(
        net,
        &CandidateSets::uniform(["NIL", "MAX", "IDT", "SC3"]),
        &device,
    )
    .unwrap();
    c.apply(&arch).unwrap();
    let slots = list_slots(&c.model);
    assert_eq!(slots.len(), 15);
    for s in slots {
        let param = s.spec.extra["arch_param"].as_str().unwrap().to_string();
        assert_eq!(
            s.entity.as_deref(),
            arch.get(&param).unwrap().as_str(),
            "{}",
            s.path
        );
    }
    // And an augment run trains it from the file.
    let aug = dir.path().join("aug");
    let text = format!(
        "{}\n",
        SEARCH
            .replace("mixed_op = \"DARTSMixedOp\"\n", "")
            .replace("type = \"DARTSOptim\"", "type = \"RandomSearchOptim\"")
            .replace(
                "type = \"SuperNetEstim\"\nargs = { epochs = 2, batch_size = 16 }",
                &format!(
                    "type = \"DefaultEstim\"\nargs = {{ epochs = 1, arch = {:?} }}",
                    dir.path().join("best.toml")
                ),
            )
    );
    let run = run_search(
        &Config::from_toml(&text, &[]).unwrap(),
        &aug,
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(run.outcome.best.unwrap().arch, arch);
}

#[test]
fn a_cost_weight_moves_the_search_towards_cheaper_operations() {
    let _serial = serial();
    let last_cost = |weight: f64, table: Option<&std::path::Path>| {
        let dir = tempfile::tempdir().unwrap();
        // A large α learning rate: the tiny search takes a handful of α steps.
        let mut overrides = vec![
            format!("estim.search.args.cost_weight={weight}"),
            "optim.args.lr=0.1".to_string(),
        ];
        if let Some(t) = table {
            overrides.push(format!(
                "estim.search.args.cost_table={:?}",
                t.display().to_string()
            ));
        }
        let cfg = Config::from_toml(SEARCH, &overrides).unwrap();
        crate::common::new_run(&cfg, dir.path()).unwrap();
        let trials = lines(&dir.path().join("trials.jsonl"));
        trials.last().unwrap()["metrics"]["expected_cost"]
            .as_f64()
            .unwrap()
    };
    // MACs in millions; the tiny supernet's ops cost thousands of MACs each.
    let (light, heavy) = (last_cost(1e-9, None), last_cost(3e3, None));
    assert!(heavy < 0.9 * light, "{heavy} vs {light}");

    // Priced by a latency table instead; one that lacks an operation is refused by name.
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_toml(SEARCH, &[]).unwrap();
    let quick = modnas::metrics::TimingArgs {
        warmup: 0,
        runs: 1,
        batch: 1,
    };
    let mut table = modnas::latency_lut::measure_latency_table(&cfg, &quick, &mut |_| {}).unwrap();
    let path = dir.path().join("lut.toml");
    std::fs::write(&path, table.to_toml()).unwrap();
    assert!(last_cost(1.0, Some(&path)) > 0.0);
    table.entries.retain(|e| e.op != "SC3");
    std::fs::write(&path, table.to_toml()).unwrap();
    let overrides = [
        "estim.search.args.cost_weight=1.0".to_string(),
        format!(
            "estim.search.args.cost_table={:?}",
            path.display().to_string()
        ),
    ];
    let err = run_search(
        &Config::from_toml(SEARCH, &overrides).unwrap(),
        &dir.path().join("run"),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("no entry for `SC3`"), "{err}");
}

#[test]
fn a_time_budget_stops_the_supernet_between_epochs() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        "estim.search.args.epochs=3".to_string(),
        "estim.search.args.max_seconds=1e-9".to_string(),
    ];
    let cfg = Config::from_toml(SEARCH, &overrides).unwrap();
    let run = crate::common::new_run(&cfg, dir.path()).unwrap();
    // The first epoch always runs; the budget is spent before the second.
    assert_eq!(run.outcome.trials, 1);
    assert_eq!(run.outcome.stop, modnas::estim::StopReason::TimeBudget);
    assert_eq!(modnas::run::read_journal(dir.path()).unwrap().len(), 1);
    let bad = ["estim.search.args.max_seconds=0.0".to_string()];
    let err = run_search(
        &Config::from_toml(SEARCH, &bad).unwrap(),
        &dir.path().join("b"),
        modnas::RunMode::New,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("`max_seconds` must be positive"),
        "{err}"
    );
}

#[test]
fn weights_trained_by_the_trainers_optimizer_follow_the_trainer() {
    let _serial = serial();
    // The first epoch's training loss, for a weight source and the trainer's learning rate.
    let first_loss = |weights: &str, trainer_lr: f64| -> f64 {
        let overrides = [
            format!("estim.search.args={{ epochs = 2, batch_size = 16, weights = \"{weights}\" }}"),
            format!("trainer.args={{ optimizer = \"adam\", lr = {trainer_lr}, cosine = false }}"),
        ];
        let cfg = Config::from_toml(SEARCH, &overrides).unwrap();
        let dir = tempfile::tempdir().unwrap();
        crate::common::new_run(&cfg, dir.path()).unwrap();
        let trials = lines(&dir.path().join("trials.jsonl"));
        trials[1]["metrics"]["train_loss"].as_f64().unwrap()
    };
    // With the estimator's SGD (the default), the trainer's rate plays no part …
    assert_eq!(
        first_loss("estimator", 0.001),
        first_loss("estimator", 0.05)
    );
    // … with the trainer's Adam, it does.
    let (slow, fast) = (first_loss("trainer", 0.001), first_loss("trainer", 0.05));
    assert!(
        slow.is_finite() && fast.is_finite() && slow != fast,
        "{slow} / {fast}"
    );

    let refused = Config::from_toml(
        SEARCH,
        &["estim.search.args={ epochs = 2, lr = 0.1, weights = \"trainer\" }".into()],
    )
    .and_then(|cfg| crate::common::new_run(&cfg, tempfile::tempdir().unwrap().path()))
    .err()
    .unwrap()
    .to_string();
    assert!(
        refused.contains("[lr]") && refused.contains("trainer.args"),
        "{refused}"
    );
}
