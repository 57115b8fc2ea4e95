//! Filling slots with candidates, the body of the construct routine. A candidate may hold
//! slots of its own (a motif whose edges are slots), so filling recurses into it.

use crate::{
    build_candidate, edit_slots, list_slots, CandidateBox, CandidateEntry, CandidateSets,
    ConstructError, Constructed, MixedHandle, MixedKind, MixedOp, MixedOpDef, SlotInfo, SlotSpec,
    ARCH_PARAM_KEY,
};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_core::lookup;
use modnas_param_space::{ArchDesc, Categorical, ParamKind, ParamSpace, TensorParam};
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

/// How deep candidates may nest slots: deeper means a candidate that holds itself.
pub(crate) const MAX_DEPTH: usize = 8;

/// Candidates known to hold no slots, by name and spec: a categorical slot builds its other
/// candidates only to find the parameters of inner slots, so once a candidate is known flat
/// for a spec, later construct calls in the process (one per trial) skip building it.
static FLAT: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);

fn flat_key(name: &str, spec: &SlotSpec) -> String {
    format!("{name}\u{0}{spec:?}")
}

fn known_flat(name: &str, spec: &SlotSpec) -> bool {
    FLAT.lock()
        .map(|set| set.contains(&flat_key(name, spec)))
        .unwrap_or(false)
}

fn mark_flat(name: &str, spec: &SlotSpec) {
    if let Ok(mut set) = FLAT.lock() {
        set.insert(flat_key(name, spec));
    }
}

/// Fills the slots of one construct call, collecting the parameters and mixed operators into
/// a [`Constructed`].
pub(crate) struct Filler<'a> {
    sets: &'a CandidateSets,
    mixed: Option<MixedOpDef>,
    device: &'a Device,
    /// The choices categorical slots start from (the first candidate where it names none).
    initial: &'a ArchDesc,
    /// Every slot path filled, nested ones included (to check per-slot sets against).
    paths: HashSet<String>,
}

impl<'a> Filler<'a> {
    pub(crate) fn new(
        sets: &'a CandidateSets,
        mixed: Option<MixedOpDef>,
        device: &'a Device,
        initial: &'a ArchDesc,
    ) -> Self {
        Self {
            sets,
            mixed,
            device,
            initial,
            paths: HashSet::new(),
        }
    }

    /// Every slot path filled so far.
    pub(crate) fn paths(&self) -> &HashSet<String> {
        &self.paths
    }

    /// The entity of the model's slot at `path`. Without a mixed operator it also registers
    /// the handler that swaps the entity when the slot's parameter, or a parameter of a slot
    /// inside its candidates, changes.
    pub(crate) fn fill_top<M: Module + 'static>(
        &mut self,
        c: &mut Constructed<M>,
        path: &str,
        spec: &SlotSpec,
    ) -> Result<CandidateBox, ConstructError> {
        let (entity, params) = self.fill(c, path, spec, 0)?;
        if self.mixed.is_none() {
            crate::handlers::add_slot_swap(c, path, spec, self.device, params);
        }
        Ok(entity)
    }

    /// The entity of the slot at `path` and the parameters it depends on, its own first.
    fn fill<M: Module + 'static>(
        &mut self,
        c: &mut Constructed<M>,
        path: &str,
        spec: &SlotSpec,
        depth: usize,
    ) -> Result<(CandidateBox, Vec<String>), ConstructError> {
        if depth > MAX_DEPTH {
            return Err(ConstructError::InvalidSpec(format!(
                "slot `{path}`: candidates nest slots more than {MAX_DEPTH} deep; does a candidate hold itself?"
            )));
        }
        self.paths.insert(path.to_string());
        let names = self.sets.candidates_for(path, spec)?;
        if names.is_empty() {
            return Err(ConstructError::NoCandidates(path.to_string()));
        }
        for name in &names {
            lookup::<CandidateEntry>(name)?;
            check_signature(path, spec, name)?;
        }
        let param = param_name(spec, path)?;
        let mut params = vec![param.clone()];
        let entity = match (self.mixed, &self.sets.mixed_op) {
            (Some(def), Some(op_name)) => {
                let handle = mixed_handle(c, def.kind, &names, &param, self.sets, self.device)?;
                let mut cands = vec![];
                for name in &names {
                    let (cand, inner) = self.build_nested(c, name, spec, path, depth)?;
                    cands.push(cand);
                    params.extend(inner);
                }
                c.mixed.push(handle.clone());
                let op = MixedOp::new(cands, handle).with_forward(def.forward);
                CandidateBox::new(op_name.clone(), op)
            }
            _ => {
                let k = initial_index(self.initial, &param, &names);
                add_categorical(&mut c.space, &param, &names, path, k)?;
                let (chosen, inner) = self.build_nested(c, &names[k], spec, path, depth)?;
                params.extend(inner);
                // The other candidates are built only to find the parameters of their inner
                // slots, and only until they are known to hold none.
                for (i, name) in names.iter().enumerate() {
                    if i != k && !known_flat(name, spec) {
                        params.extend(self.build_nested(c, name, spec, path, depth)?.1);
                    }
                }
                chosen
            }
        };
        let mut seen = HashSet::new();
        params.retain(|p| seen.insert(p.clone()));
        tracing::debug!(slot = %path, param = %param, candidates = ?names, "slot constructed");
        Ok((entity, params))
    }

    /// Builds candidate `name` for the slot at `path` and fills the slots it holds.
    fn build_nested<M: Module + 'static>(
        &mut self,
        c: &mut Constructed<M>,
        name: &str,
        spec: &SlotSpec,
        path: &str,
        depth: usize,
    ) -> Result<(CandidateBox, Vec<String>), ConstructError> {
        let cand = build_candidate(name, spec, self.device)?;
        let inner = empty_slots(&cand);
        if inner.is_empty() {
            mark_flat(name, spec);
            return Ok((cand, vec![]));
        }
        let mut params = vec![];
        let mut entities = HashMap::new();
        for slot in inner {
            let inner_path = format!("{path}.{}", slot.path);
            let (entity, p) = self.fill(c, &inner_path, &slot.spec, depth + 1)?;
            params.extend(p);
            entities.insert(slot.path, (inner_path, entity));
        }
        Ok((set_entities(cand, entities), params))
    }
}

/// Refuses candidate `name` for the slot at `path` unless it serves the slot's signature.
fn check_signature(path: &str, spec: &SlotSpec, name: &str) -> Result<(), ConstructError> {
    let serves = crate::candidate_serves(name);
    if serves.contains(&spec.signature) {
        return Ok(());
    }
    let list = |names: Vec<&str>| names.join(", ");
    Err(ConstructError::SignatureMismatch {
        slot: path.to_string(),
        signature: spec.signature,
        candidate: name.to_string(),
        serves: list(serves.iter().map(|s| s.name()).collect()),
        known: list(crate::candidates_serving(spec.signature)),
    })
}

/// The slots of `cand` that have no entity yet.
pub(crate) fn empty_slots(cand: &CandidateBox) -> Vec<SlotInfo> {
    let mut slots = list_slots(cand);
    slots.retain(|s| s.entity.is_none());
    slots
}

/// Sets the inner slots of `cand`: module path → (key, entity).
pub(crate) fn set_entities(
    cand: CandidateBox,
    mut entities: HashMap<String, (String, CandidateBox)>,
) -> CandidateBox {
    edit_slots(cand, move |path, slot| {
        if let Some((key, entity)) = entities.remove(path) {
            slot.set_key(key);
            slot.set_entity(entity);
        }
    })
}

/// The parameter of the slot at `path`: its `arch_param`, or the path itself.
pub(crate) fn param_name(spec: &SlotSpec, path: &str) -> Result<String, ConstructError> {
    match spec.extra.get(ARCH_PARAM_KEY) {
        Some(toml::Value::String(p)) => Ok(p.clone()),
        Some(other) => Err(ConstructError::InvalidSpec(format!(
            "slot `{path}`: `{ARCH_PARAM_KEY}` must be a string, got {other}"
        ))),
        None => Ok(path.to_string()),
    }
}

/// Which of `names` the initial architecture chooses for `param`: 0 where it names none of them
/// (a value outside the set is refused later, when the architecture is applied).
fn initial_index(initial: &ArchDesc, param: &str, names: &[String]) -> usize {
    initial
        .get(param)
        .and_then(|v| v.as_str())
        .and_then(|v| names.iter().position(|n| n == v))
        .unwrap_or(0)
}

/// Adds the categorical `param` over `names` starting at choice `initial`, or checks that the
/// shared one has the same choices.
pub(crate) fn add_categorical(
    space: &mut ParamSpace,
    param: &str,
    names: &[String],
    slot: &str,
    initial: usize,
) -> Result<(), ConstructError> {
    let cat = Categorical::new(names.iter().map(String::as_str))?.with_default(initial)?;
    match space.get(param).map(|p| p.kind()) {
        None => {
            space.insert(param, cat)?;
            Ok(())
        }
        Some(ParamKind::Categorical(existing)) if existing.choices() == cat.choices() => Ok(()),
        Some(_) => Err(ConstructError::InvalidSpec(format!(
            "slot `{slot}` shares parameter `{param}` but its candidates [{}] differ from the other slots'",
            names.join(", ")
        ))),
    }
}

/// The handle of a new mixed operator: α (shared by slots naming the same parameter) for the
/// weighted and sampling kinds, a categorical plus a handler that moves the active path for
/// [`MixedKind::Index`].
fn mixed_handle<M: Module + 'static>(
    c: &mut Constructed<M>,
    kind: MixedKind,
    names: &[String],
    param: &str,
    sets: &CandidateSets,
    device: &Device,
) -> Result<MixedHandle, ConstructError> {
    if kind == MixedKind::Index {
        add_categorical(&mut c.space, param, names, param, 0)?;
        let handle = MixedHandle::new(kind, names.to_vec(), None, param);
        crate::handlers::add_mixed_index(c, &handle, names, param);
        return Ok(handle);
    }
    let alpha = match c.space.get(param).map(|p| p.kind()) {
        Some(ParamKind::Tensor(t)) if t.len() == names.len() => t.clone(),
        Some(_) => {
            return Err(ConstructError::InvalidSpec(format!(
                "parameter `{param}` is shared by slots with different candidate sets"
            )))
        }
        None => {
            let init = Distribution::Normal(0.0, sets.alpha_init_std);
            let t = TensorParam::from_tensor(Tensor::random([names.len()], init, device));
            c.space.insert(param, t.clone())?;
            t
        }
    };
    Ok(MixedHandle::new(kind, names.to_vec(), Some(alpha), param))
}
