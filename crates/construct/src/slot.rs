//! [`Slot`]: a placeholder layer that the construct routine fills with a candidate.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Device, Tensor};
//! use modnas_construct::{build_candidate, Slot, SlotSpec};
//! let device = Device::default();
//! let mut slot = Slot::new(3, 8, 1); // in place of Conv2d(3, 8, stride 1)
//! slot.set_entity(build_candidate("NC3", slot.spec(), &device).unwrap());
//! let y = slot.forward(Tensor::zeros([1, 3, 8, 8], &device));
//! assert_eq!(y.dims(), [1, 8, 8, 8]);
//! assert!(slot.num_params() > 0);
//! ```

use crate::signature::{pack_dense, pack_sequence, unpack_dense, unpack_sequence};
use crate::{CandidateBox, Cost, Signature};
use burn::module::{
    Content, Devices, Module, ModuleDisplay, ModuleDisplayDefault, ModuleMapper, ModuleVisitor,
};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// What a slot stands for: the arguments of the layer it replaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotSpec {
    /// Input channels (dense: features; sequence: model dimension).
    pub c_in: usize,
    /// Output channels (dense: features; sequence: model dimension).
    pub c_out: usize,
    /// Spatial stride of the replaced layer: 2 halves height and width, 1 keeps them (1 for
    /// dense and sequence slots).
    pub stride: usize,
    /// The tensors the replaced layer takes and gives.
    #[serde(default)]
    pub signature: Signature,
    /// Free-form extra arguments for custom candidates.
    #[serde(default)]
    pub extra: toml::Table,
}

impl SlotSpec {
    /// An image spec with no extra arguments.
    pub fn new(c_in: usize, c_out: usize, stride: usize) -> Self {
        Self {
            c_in,
            c_out,
            stride,
            signature: Signature::Image,
            extra: toml::Table::new(),
        }
    }

    /// A dense spec, `[batch, f_in]` → `[batch, f_out]`.
    pub fn dense(f_in: usize, f_out: usize) -> Self {
        Self {
            signature: Signature::Dense,
            ..Self::new(f_in, f_out, 1)
        }
    }

    /// A sequence spec, `[batch, seq, dim]` → `[batch, seq, dim]`.
    pub fn sequence(dim: usize) -> Self {
        Self::sequence_to(dim, dim)
    }

    /// A sequence spec that changes the width, `[batch, seq, d_in]` → `[batch, seq, d_out]`
    /// (served by the 1-D convolutions, the linear and recurrent candidates; a transformer
    /// encoder layer keeps its width and refuses it).
    pub fn sequence_to(d_in: usize, d_out: usize) -> Self {
        Self {
            signature: Signature::Sequence,
            ..Self::new(d_in, d_out, 1)
        }
    }

    /// Adds an extra argument.
    pub fn with_arg(mut self, key: impl Into<String>, value: impl Into<toml::Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// A placeholder for a layer in a user's `#[derive(Module)]` model.
///
/// Its key is its path in the model (`convs.1`), assigned by the construct routine. A slot is a
/// full Burn module: parameters of its entity are visible to optimizers, records and devices.
#[derive(Debug)]
pub struct Slot {
    key: String,
    spec: SlotSpec,
    entity: Option<CandidateBox>,
}

impl Slot {
    /// A slot standing for a layer `c_in → c_out` with `stride`.
    pub fn new(c_in: usize, c_out: usize, stride: usize) -> Self {
        Self::from_spec(SlotSpec::new(c_in, c_out, stride))
    }

    /// A slot standing for a dense layer, `Linear(f_in, f_out)` for instance; its forward is
    /// [`forward_dense`](Self::forward_dense).
    pub fn dense(f_in: usize, f_out: usize) -> Self {
        Self::from_spec(SlotSpec::dense(f_in, f_out))
    }

    /// A slot standing for a sequence layer of model dimension `dim`, a transformer encoder
    /// layer for instance; its forward is [`forward_seq`](Self::forward_seq).
    pub fn sequence(dim: usize) -> Self {
        Self::from_spec(SlotSpec::sequence(dim))
    }

    /// A sequence slot from `d_in` to `d_out` features per step, a recurrent or projecting
    /// layer for instance ([`SlotSpec::sequence_to`]).
    pub fn sequence_to(d_in: usize, d_out: usize) -> Self {
        Self::from_spec(SlotSpec::sequence_to(d_in, d_out))
    }

    /// A slot with a full spec.
    pub fn from_spec(spec: SlotSpec) -> Self {
        Self {
            key: String::new(),
            spec,
            entity: None,
        }
    }

    /// The slot's key (its path in the model; empty before construction).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Sets the key.
    pub fn set_key(&mut self, key: impl Into<String>) {
        self.key = key.into();
    }

    /// What the slot's candidates are built for: channels, stride and extra arguments.
    pub fn spec(&self) -> &SlotSpec {
        &self.spec
    }

    /// The current entity, if constructed.
    pub fn entity(&self) -> Option<&CandidateBox> {
        self.entity.as_ref()
    }

    /// Replaces the entity (the paper's `set_entity`).
    pub fn set_entity(&mut self, entity: CandidateBox) {
        self.entity = Some(entity);
    }

    /// Forward through the entity.
    ///
    /// # Panics
    /// If the slot was never constructed: run the construct routine (or
    /// [`set_entity`](Self::set_entity)) before the first forward pass.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match &self.entity {
            Some(e) => e.forward(x),
            None => panic!(
                "slot `{}` has no entity: construct the model before calling forward",
                self.key
            ),
        }
    }

    /// Forward of a dense slot: `[batch, c_in]` → `[batch, c_out]`.
    ///
    /// # Panics
    /// If the slot was never constructed, or is not a dense slot.
    pub fn forward_dense(&self, x: Tensor<2>) -> Tensor<2> {
        self.expect_signature(Signature::Dense);
        unpack_dense(self.forward(pack_dense(x)))
    }

    /// Forward of a sequence slot: `[batch, seq, dim]` → `[batch, seq, dim]`.
    ///
    /// # Panics
    /// If the slot was never constructed, or is not a sequence slot.
    pub fn forward_seq(&self, x: Tensor<3>) -> Tensor<3> {
        self.expect_signature(Signature::Sequence);
        unpack_sequence(self.forward(pack_sequence(x)))
    }

    /// Forward of a sequence slot over a padded or causal batch: the candidates see `mask`
    /// ([`SeqMask`](crate::SeqMask) says how each uses it), and padded steps of the output
    /// are zero. At its real steps, a padded sequence gives what it gives alone.
    ///
    /// # Panics
    /// If the slot was never constructed, or is not a sequence slot.
    pub fn forward_seq_masked(&self, x: Tensor<3>, mask: &crate::SeqMask) -> Tensor<3> {
        self.expect_signature(Signature::Sequence);
        let y = crate::seq_mask::with_mask(mask, || self.forward(pack_sequence(x)));
        let y = match mask.keep_carrier() {
            Some(keep) => y * keep,
            None => y,
        };
        unpack_sequence(y)
    }

    fn expect_signature(&self, signature: Signature) {
        assert!(
            self.spec.signature == signature,
            "slot `{}` is a {} slot: call the forward of its signature, not the {signature} one",
            self.key,
            self.spec.signature
        );
    }

    /// Cost of the entity for an input of shape `input` (zero MACs when empty): the shape the
    /// replaced layer takes (`[batch, features]` for a dense slot, `[batch, seq, dim]` for a
    /// sequence slot), and the output in the same form.
    pub fn cost(&self, input: &[usize]) -> Cost {
        let signature = self.spec.signature;
        let carrier = signature.carrier_shape(input);
        crate::probe::record(self, &carrier);
        let mut cost = match &self.entity {
            Some(e) => e.cost(&carrier),
            None => Cost::new(0, carrier),
        };
        cost.output = signature.user_shape(&cost.output, input.len());
        cost
    }

    /// Cost of running `slots` one after another on an input of shape `input`.
    pub fn chain_cost<'a>(slots: impl IntoIterator<Item = &'a Slot>, input: &[usize]) -> Cost {
        slots
            .into_iter()
            .fold(Cost::new(0, input.to_vec()), |acc, slot| {
                let next = slot.cost(&acc.output);
                acc.then(next)
            })
    }

    fn map_entity(self, f: impl FnOnce(CandidateBox) -> CandidateBox) -> Self {
        Self {
            entity: self.entity.map(f),
            ..self
        }
    }
}

type SlotEditor = Box<dyn FnMut(&str, &mut Slot)>;
type SlotReader = Box<dyn FnMut(&str, &Slot)>;

// Burn's traversals are generic and by value, so a visitor cannot hand out `&mut Slot`. The
// walkers below publish the current module path and a callback here, and `Slot::map` /
// `Slot::visit` call it; any `#[derive(Module)]` model is reached at any depth.
thread_local! {
    static PATH: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static EDITOR: RefCell<Option<SlotEditor>> = const { RefCell::new(None) };
    static READER: RefCell<Option<SlotReader>> = const { RefCell::new(None) };
}

fn current_path() -> String {
    PATH.with(|p| p.borrow().join("."))
}

/// Publishes module paths while walking; its parameters pass through untouched.
struct PathWalker;

impl ModuleMapper for PathWalker {
    fn enter_module(&mut self, name: &str, _: &str) {
        PATH.with(|p| p.borrow_mut().push(name.to_string()));
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        PATH.with(|p| p.borrow_mut().pop());
    }
}

impl ModuleVisitor for PathWalker {
    fn enter_module(&mut self, name: &str, _: &str) {
        PATH.with(|p| p.borrow_mut().push(name.to_string()));
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        PATH.with(|p| p.borrow_mut().pop());
    }
}

/// Calls `f(path, slot)` on every slot of `model`, at any depth, and returns the model.
///
/// Must not be nested (do not call it from inside `f`). Runs on the calling thread.
pub fn edit_slots<M: Module>(model: M, f: impl FnMut(&str, &mut Slot) + 'static) -> M {
    PATH.with(|p| p.borrow_mut().clear());
    EDITOR.with(|e| *e.borrow_mut() = Some(Box::new(f)));
    let model = model.map(&mut PathWalker);
    EDITOR.with(|e| *e.borrow_mut() = None);
    model
}

/// Calls `f(path, slot)` on every slot of `model`, at any depth.
pub fn visit_slots<M: Module>(model: &M, f: impl FnMut(&str, &Slot) + 'static) {
    PATH.with(|p| p.borrow_mut().clear());
    READER.with(|r| *r.borrow_mut() = Some(Box::new(f)));
    model.visit(&mut PathWalker);
    READER.with(|r| *r.borrow_mut() = None);
}

/// What [`list_slots`] reports for one slot.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotInfo {
    /// Path of the slot in the model.
    pub path: String,
    /// The slot's key (equal to `path` after construction).
    pub key: String,
    /// What the slot's candidates are built for.
    pub spec: SlotSpec,
    /// Name of the current entity.
    pub entity: Option<String>,
}

/// Every slot of `model`, in traversal order.
pub fn list_slots<M: Module>(model: &M) -> Vec<SlotInfo> {
    let found = std::rc::Rc::new(RefCell::new(Vec::new()));
    let sink = found.clone();
    visit_slots(model, move |path, slot| {
        sink.borrow_mut().push(SlotInfo {
            path: path.to_string(),
            key: slot.key.clone(),
            spec: slot.spec.clone(),
            entity: slot.entity.as_ref().map(|e| e.name().to_string()),
        })
    });
    let list = found.borrow().clone();
    list
}

impl Clone for Slot {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            spec: self.spec.clone(),
            entity: self.entity.clone(),
        }
    }
}

impl Module for Slot {
    fn collect_devices(&self, devices: Devices) -> Devices {
        match &self.entity {
            Some(e) => e.collect_devices(devices),
            None => devices,
        }
    }
    fn fork(self, device: &Device) -> Self {
        self.map_entity(|e| e.fork(device))
    }
    fn to_device(self, device: &Device) -> Self {
        self.map_entity(|e| e.to_device(device))
    }
    fn train(self) -> Self {
        self.map_entity(|e| e.train())
    }
    fn valid(&self) -> Self {
        Self {
            key: self.key.clone(),
            spec: self.spec.clone(),
            entity: self.entity.as_ref().map(|e| e.valid()),
        }
    }
    fn materialize(self) -> Self {
        self.map_entity(|e| e.materialize())
    }
    fn visit<V: ModuleVisitor>(&self, visitor: &mut V) {
        if let Some(mut f) = READER.with(|r| r.borrow_mut().take()) {
            f(&current_path(), self);
            READER.with(|r| *r.borrow_mut() = Some(f));
        }
        if let Some(e) = &self.entity {
            e.visit(visitor);
        }
    }
    fn map<M: ModuleMapper>(mut self, mapper: &mut M) -> Self {
        if let Some(mut f) = EDITOR.with(|e| e.borrow_mut().take()) {
            f(&current_path(), &mut self);
            EDITOR.with(|e| *e.borrow_mut() = Some(f));
        }
        self.map_entity(|e| e.map(mapper))
    }
}

impl ModuleDisplayDefault for Slot {
    fn content(&self, content: Content) -> Option<Content> {
        let entity = self.entity.as_ref().map_or("<empty>", |e| e.name());
        content
            .add_formatted(&format!("Slot[{}]={entity}", self.key))
            .optional()
    }
}

impl ModuleDisplay for Slot {}
