//! A Slot inside a user's `#[derive(Module)]` model behaves like a built-in layer: it trains,
//! saves and loads, moves device, switches train/valid, and is swapped by the transform routine.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use modnas::construct::{construct, list_slots, CandidateSets, Slot};
use modnas::metrics::trainable_params;
use modnas::param_space::ArchDesc;
use std::collections::HashMap;

#[derive(Module, Debug)]
struct UserNet {
    stem: Slot,
    body: Vec<Slot>,
    head: Linear,
}

impl UserNet {
    fn new(device: &Device) -> Self {
        Self {
            stem: Slot::new(1, 4, 1),
            body: vec![Slot::new(4, 4, 1), Slot::new(4, 8, 2)],
            head: LinearConfig::new(8, 3).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self
            .body
            .iter()
            .fold(self.stem.forward(x), |x, s| s.forward(x));
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }
}

/// Parameter values by path.
#[derive(Default)]
struct Snapshot {
    path: Vec<String>,
    values: HashMap<String, (ParamId, Vec<f32>)>,
}

impl ModuleVisitor for Snapshot {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.into());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
        let v = p.val().into_data().try_to_vec::<f32>().unwrap();
        self.values.insert(self.path.join("."), (p.id, v));
    }
}

fn snapshot<M: Module>(m: &M) -> HashMap<String, (ParamId, Vec<f32>)> {
    let mut s = Snapshot::default();
    m.visit(&mut s);
    s.values
}

fn batch(device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let x: Vec<f32> = (0..6 * 36).map(|i| ((i * 37) % 17) as f32 / 17.0).collect();
    let x = Tensor::from_data(TensorData::new(x, [6, 1, 6, 6]), device);
    let y = Tensor::from_data(TensorData::new(vec![0i64, 1, 2, 0, 1, 2], [6]), device);
    (x, y)
}

fn constructed(device: &Device) -> modnas::construct::Constructed<UserNet> {
    device.seed(1);
    construct(
        UserNet::new(device),
        &CandidateSets::uniform(["NC3", "NC5", "IDT"]),
        device,
    )
    .unwrap()
}

#[test]
fn slot_keys_are_model_paths() {
    // Weights are drawn from the device's process-wide seed: one test at a time.
    let _serial = crate::common::serial();
    let device = Device::default().autodiff();
    let c = constructed(&device);
    let keys: Vec<String> = list_slots(&c.model).into_iter().map(|s| s.key).collect();
    assert_eq!(keys, ["stem", "body.0", "body.1"]);
    assert_eq!(
        c.space.names().collect::<Vec<_>>(),
        ["stem", "body.0", "body.1"]
    );
}

#[test]
fn slot_model_trains_and_only_active_params_move() {
    // Weights are drawn from the device's process-wide seed: one test at a time.
    let _serial = crate::common::serial();
    let device = Device::default().autodiff();
    let mut c = constructed(&device);
    c.apply(&[("body.0", "NC5")].into_iter().collect::<ArchDesc>())
        .unwrap();
    let mut model = c.model;
    let before = snapshot(&model);
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&device);
    let mut optim = AdamConfig::new().init();
    let (x, y) = batch(&device);
    let mut losses = vec![];
    for _ in 0..8 {
        let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.05, model, grads);
    }
    assert!(losses[7] < losses[0] * 0.9, "loss did not fall: {losses:?}");
    let after = snapshot(&model);
    assert_eq!(before.len(), after.len());
    for (path, (id, v0)) in &before {
        let (id1, v1) = &after[path];
        assert_eq!(id, id1, "parameter ids are stable: {path}");
        let running = path.ends_with("running_mean") || path.ends_with("running_var");
        if !running {
            assert_ne!(v0, v1, "trainable parameter did not change: {path}");
        }
    }
    // Every trainable parameter belongs to an active candidate (NC3/NC5) or the head.
    assert!(after
        .keys()
        .all(|p| p.starts_with("head") || p.contains(".NC3.") || p.contains(".NC5.")));
    assert!(after.keys().any(|p| p.starts_with("body.0.NC5.")));
    assert!(
        !after.keys().any(|p| p.starts_with("body.0.NC3.")),
        "the swapped-out candidate is gone"
    );
}

#[test]
fn record_round_trip_gives_identical_outputs() {
    // Weights are drawn from the device's process-wide seed: one test at a time.
    let _serial = crate::common::serial();
    let device = Device::default();
    let c = constructed(&device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.bpk");
    let (x, _) = batch(&device);
    let model = c.model.valid();
    let expected = model.forward(x.clone()).into_data();
    model.clone().save_file(&path).unwrap();
    device.seed(99);
    let fresh = construct(
        UserNet::new(&device),
        &CandidateSets::uniform(["NC3", "NC5", "IDT"]),
        &device,
    )
    .unwrap()
    .model
    .valid();
    assert_ne!(
        fresh.forward(x.clone()).into_data(),
        expected,
        "fresh weights differ"
    );
    let loaded = fresh.try_load_file(&path).unwrap();
    assert_eq!(loaded.forward(x).into_data(), expected);
}

#[test]
fn slot_moves_device_and_switches_modes() {
    // Weights are drawn from the device's process-wide seed: one test at a time.
    let _serial = crate::common::serial();
    let device = Device::default().autodiff();
    let c = constructed(&device);
    assert_eq!(c.model.devices(), vec![device.clone()]);
    let plain = device.clone().inner();
    let moved = c.model.clone().to_device(&plain);
    assert_eq!(moved.devices(), vec![plain.clone()]);
    let forked = moved.fork(&device);
    assert_eq!(forked.devices(), vec![device.clone()]);
    assert_eq!(forked.num_params(), c.model.num_params());
    assert!(
        trainable_params(&c.model) < c.model.num_params(),
        "running stats are not trainable"
    );
    let valid = c.model.valid();
    let (x, _) = batch(&plain);
    assert!(!valid.forward(x).is_autodiff());
    let text = c.model.to_string();
    assert!(text.contains("Slot[body.1]=NC3"), "{text}");
}

#[test]
fn transform_swaps_the_entity_in_place() {
    // Weights are drawn from the device's process-wide seed: one test at a time.
    let _serial = crate::common::serial();
    let device = Device::default();
    let mut c = constructed(&device);
    let calls = c
        .apply(
            &[("stem", "IDT"), ("body.1", "NC5")]
                .into_iter()
                .collect::<ArchDesc>(),
        )
        .unwrap();
    assert_eq!(calls, 2);
    let entities: Vec<Option<String>> =
        list_slots(&c.model).into_iter().map(|s| s.entity).collect();
    assert_eq!(
        entities,
        [Some("IDT".into()), Some("NC3".into()), Some("NC5".into())]
    );
    let (x, _) = batch(&device);
    assert_eq!(c.model.forward(x).dims(), [6, 3]);
}
