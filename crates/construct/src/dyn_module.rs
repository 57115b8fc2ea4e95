//! [`DynModule`]: a type-erased [`NasModule`] that is itself a Burn `Module`.

use crate::bridge::{
    DynMapper, DynVisitor, FromDynMapper, FromDynVisitor, ToDynMapper, ToDynVisitor,
};
use crate::{Cost, NasModule};
use burn::module::Content;
use burn::module::{
    Devices, Module, ModuleDisplay, ModuleDisplayDefault, ModuleMapper, ModuleVisitor,
};
use burn::tensor::Device;
use std::any::Any;
use std::fmt;

/// Object-safe mirror of `Module + NasModule`, implemented for every [`NasModule`].
pub trait ErasedModule<I, O>: Send + Sync + 'static {
    /// Forward pass.
    fn forward(&self, x: I) -> O;
    /// Analytic cost.
    fn cost(&self, input: &[usize]) -> Cost;
    /// The module's type name, for errors.
    fn type_name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }
    /// Forward pass with auxiliary outputs.
    fn forward_aux(&self, x: I) -> (O, Option<O>);
    /// Training progress for in-model schedules.
    fn set_progress(&mut self, progress: f64);
    /// Reorders the channels of elastic groups.
    fn reorder_channels(&mut self, by: crate::ChannelOrder);
    /// The active sub-network, if the module is elastic.
    fn export_active_dyn(&self) -> Option<Box<dyn ErasedModule<I, O>>>;
    /// Visit with an erased visitor.
    fn visit_dyn(&self, v: &mut dyn DynVisitor);
    /// Map with an erased mapper.
    fn map_dyn(self: Box<Self>, m: &mut dyn DynMapper) -> Box<dyn ErasedModule<I, O>>;
    /// `Module::collect_devices`.
    fn collect_devices_dyn(&self, d: Devices) -> Devices;
    /// `Module::fork`.
    fn fork_dyn(self: Box<Self>, d: &Device) -> Box<dyn ErasedModule<I, O>>;
    /// `Module::to_device`.
    fn to_device_dyn(self: Box<Self>, d: &Device) -> Box<dyn ErasedModule<I, O>>;
    /// `Module::train`.
    fn train_dyn(self: Box<Self>) -> Box<dyn ErasedModule<I, O>>;
    /// `Module::valid`.
    fn valid_dyn(&self) -> Box<dyn ErasedModule<I, O>>;
    /// `Module::materialize`.
    fn materialize_dyn(self: Box<Self>) -> Box<dyn ErasedModule<I, O>>;
    /// `Clone` (duplicates parameter ids: only for snapshots).
    fn clone_dyn(&self) -> Box<dyn ErasedModule<I, O>>;
    /// `ModuleDisplay::format`.
    fn format_dyn(&self) -> String;
    /// `Debug`.
    fn debug_dyn(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// For downcasting to the concrete module.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting to the concrete module.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<I: 'static, O: 'static, M: NasModule<Input = I, Output = O>> ErasedModule<I, O> for M {
    fn forward(&self, x: I) -> O {
        NasModule::forward(self, x)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        NasModule::cost(self, input)
    }
    fn forward_aux(&self, x: I) -> (O, Option<O>) {
        NasModule::forward_aux(self, x)
    }
    fn set_progress(&mut self, progress: f64) {
        NasModule::set_progress(self, progress)
    }
    fn reorder_channels(&mut self, by: crate::ChannelOrder) {
        NasModule::reorder_channels(self, by)
    }
    fn export_active_dyn(&self) -> Option<Box<dyn ErasedModule<I, O>>> {
        NasModule::export_active(self).map(|m| Box::new(m) as Box<dyn ErasedModule<I, O>>)
    }
    fn visit_dyn(&self, v: &mut dyn DynVisitor) {
        Module::visit(self, &mut ToDynVisitor(v));
    }
    fn map_dyn(self: Box<Self>, m: &mut dyn DynMapper) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::map(*self, &mut ToDynMapper(m)))
    }
    fn collect_devices_dyn(&self, d: Devices) -> Devices {
        Module::collect_devices(self, d)
    }
    fn fork_dyn(self: Box<Self>, d: &Device) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::fork(*self, d))
    }
    fn to_device_dyn(self: Box<Self>, d: &Device) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::to_device(*self, d))
    }
    fn train_dyn(self: Box<Self>) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::train(*self))
    }
    fn valid_dyn(&self) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::valid(self))
    }
    fn materialize_dyn(self: Box<Self>) -> Box<dyn ErasedModule<I, O>> {
        Box::new(Module::materialize(*self))
    }
    fn clone_dyn(&self) -> Box<dyn ErasedModule<I, O>> {
        Box::new(self.clone())
    }
    fn format_dyn(&self) -> String {
        self.to_string()
    }
    fn debug_dyn(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A boxed [`NasModule`] with a name, usable as a field of any `#[derive(Module)]` struct.
///
/// The name becomes a segment of every parameter path (`convs.0.NC3.conv.weight`), so a record
/// saved with one candidate does not silently load into another.
pub struct DynModule<I, O> {
    name: String,
    inner: Box<dyn ErasedModule<I, O>>,
}

/// A boxed slot candidate: `[N, C, H, W]` in and out.
pub type CandidateBox = DynModule<burn::tensor::Tensor<4>, burn::tensor::Tensor<4>>;

/// A boxed searchable network: images in, logits out.
pub type NetBox = DynModule<burn::tensor::Tensor<4>, burn::tensor::Tensor<2>>;

impl<I: 'static, O: 'static> DynModule<I, O> {
    /// Boxes `module` under `name`. For a candidate, the name is the one it is chosen by
    /// (`build_candidate` renames it to its registry id, so a builder may pass any); it is the
    /// value journals and `best.toml` record, and the key of its weights in a saved record
    /// (`convs.1.NC5.conv.weight`). A network is usually boxed under `""`, as the built-in models
    /// are: a non-empty name would become the first segment of every weight key, and a record
    /// loads only into a network boxed under the same name.
    pub fn new<M: NasModule<Input = I, Output = O>>(name: impl Into<String>, module: M) -> Self {
        Self {
            name: name.into(),
            inner: Box::new(module),
        }
    }

    /// The same module under another name.
    pub fn renamed(self, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            inner: self.inner,
        }
    }

    /// The name given at construction (the registry id for candidates).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Forward pass.
    pub fn forward(&self, x: I) -> O {
        self.inner.forward(x)
    }

    /// Analytic cost for an input of shape `input`.
    pub fn cost(&self, input: &[usize]) -> Cost {
        self.inner.cost(input)
    }

    /// [`cost`](Self::cost), with a shape the derivation cannot follow reported as an error
    /// that names the module and field (`try_cost_of`).
    pub fn try_cost(&self, input: &[usize]) -> Result<Cost, crate::ConstructError> {
        crate::try_cost_of(self.inner.type_name(), input, || self.inner.cost(input))
    }

    /// Forward pass with the auxiliary heads' output (see [`NasModule::forward_aux`]).
    pub fn forward_aux(&self, x: I) -> (O, Option<O>) {
        self.inner.forward_aux(x)
    }

    /// Tells the module how far training is, in `[0, 1]` (see [`NasModule::set_progress`]).
    pub fn set_progress(&mut self, progress: f64) {
        self.inner.set_progress(progress.clamp(0.0, 1.0))
    }

    /// Reorders the channels of the module's elastic groups (see
    /// [`NasModule::reorder_channels`]).
    pub fn reorder_channels(&mut self, by: crate::ChannelOrder) {
        self.inner.reorder_channels(by)
    }

    /// The active sub-network as a standalone module (see [`NasModule::export_active`]); a
    /// module with nothing elastic is copied as it is. The copy shares no state with `self`
    /// but may repeat its parameter ids: train one or the other, not both in one optimizer.
    pub fn export_active(&self) -> Self {
        self.with(
            self.inner
                .export_active_dyn()
                .unwrap_or_else(|| self.inner.clone_dyn()),
        )
    }

    /// The concrete module, if it is an `M`.
    pub fn downcast_ref<M: 'static>(&self) -> Option<&M> {
        self.inner.as_any().downcast_ref::<M>()
    }

    /// The concrete module, mutably, if it is an `M`.
    pub fn downcast_mut<M: 'static>(&mut self) -> Option<&mut M> {
        self.inner.as_any_mut().downcast_mut::<M>()
    }

    fn with(&self, inner: Box<dyn ErasedModule<I, O>>) -> Self {
        Self {
            name: self.name.clone(),
            inner,
        }
    }
}

impl<I: 'static, O: 'static> Clone for DynModule<I, O> {
    fn clone(&self) -> Self {
        self.with(self.inner.clone_dyn())
    }
}

impl<I: 'static, O: 'static> fmt::Debug for DynModule<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.name)?;
        self.inner.debug_dyn(f)
    }
}

impl<I: 'static, O: 'static> fmt::Display for DynModule<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.format_dyn())
    }
}

impl<I: 'static, O: 'static> Module for DynModule<I, O> {
    fn collect_devices(&self, devices: Devices) -> Devices {
        self.inner.collect_devices_dyn(devices)
    }
    fn fork(self, device: &Device) -> Self {
        Self {
            inner: self.inner.fork_dyn(device),
            name: self.name,
        }
    }
    fn to_device(self, device: &Device) -> Self {
        Self {
            inner: self.inner.to_device_dyn(device),
            name: self.name,
        }
    }
    fn train(self) -> Self {
        Self {
            inner: self.inner.train_dyn(),
            name: self.name,
        }
    }
    fn valid(&self) -> Self {
        self.with(self.inner.valid_dyn())
    }
    fn materialize(self) -> Self {
        Self {
            inner: self.inner.materialize_dyn(),
            name: self.name,
        }
    }
    fn visit<V: ModuleVisitor>(&self, visitor: &mut V) {
        // An empty name adds no path segment (a boxed network keeps its own paths).
        let named = !self.name.is_empty();
        if named {
            visitor.enter_module(&self.name, "Struct:DynModule");
        }
        self.inner.visit_dyn(&mut FromDynVisitor(visitor));
        if named {
            visitor.exit_module(&self.name, "Struct:DynModule");
        }
    }
    fn map<M: ModuleMapper>(self, mapper: &mut M) -> Self {
        let named = !self.name.is_empty();
        if named {
            mapper.enter_module(&self.name, "Struct:DynModule");
        }
        let inner = self.inner.map_dyn(&mut FromDynMapper(mapper));
        if named {
            mapper.exit_module(&self.name, "Struct:DynModule");
        }
        Self {
            inner,
            name: self.name,
        }
    }
}

impl<I: 'static, O: 'static> ModuleDisplayDefault for DynModule<I, O> {
    fn content(&self, content: Content) -> Option<Content> {
        content
            .add_formatted(&format!("{}: {}", self.name, self.inner.format_dyn()))
            .optional()
    }
}

impl<I: 'static, O: 'static> ModuleDisplay for DynModule<I, O> {}
