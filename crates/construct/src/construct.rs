//! The default Construct routine (paper, Algorithm 3): fill every slot from its candidate set,
//! add one categorical parameter per slot, and a handler that swaps the slot's entity when the
//! parameter changes (paper, Figures 7–8).

use crate::{
    build_candidate, edit_slots, list_slots, mixed_op_kind, CandidateBox, ConstructError,
    MixedHandle, MixedKind, MixedOp, Slot,
};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use indexmap::IndexMap;
use modnas_param_space::{
    lookup, ArchDesc, Categorical, ParamKind, ParamSpace, TensorParam, Transform, Trigger,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Which candidates each slot chooses from: a default set plus per-slot overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateSets {
    /// Candidates of every slot without an override (the first is the initial choice).
    #[serde(default)]
    pub candidates: Vec<String>,
    /// Per-slot candidates, keyed by slot path (`convs.1`).
    #[serde(default)]
    pub slots: IndexMap<String, Vec<String>>,
    /// When set, every slot holds a mixed operator of this registered name (for example
    /// `DARTSMixedOp`) over all its candidates, instead of one candidate at a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed_op: Option<String>,
    /// Standard deviation of the initial α of mixed operators (DARTS: 1e-3).
    #[serde(default = "default_alpha_std")]
    pub alpha_init_std: f64,
}

fn default_alpha_std() -> f64 {
    1e-3
}

/// The `SlotSpec::extra` key of candidates a model offers at one slot on top of the
/// configured set (a skip where a block keeps its shape): a list of candidate names, added
/// unless the set has them.
pub const EXTRA_CANDIDATES_KEY: &str = "extra_candidates";

/// The candidates of the slot at `path`: the configured set, then the spec's
/// [`EXTRA_CANDIDATES_KEY`] names it lacks.
fn slot_candidates(
    sets: &CandidateSets,
    path: &str,
    spec: &crate::SlotSpec,
) -> Result<Vec<String>, ConstructError> {
    let mut names = sets.for_slot(path).to_vec();
    let Some(extra) = spec.extra.get(EXTRA_CANDIDATES_KEY) else {
        return Ok(names);
    };
    let bad = || {
        ConstructError::InvalidSpec(format!(
            "slot `{path}`: `{EXTRA_CANDIDATES_KEY}` must be a list of candidate names"
        ))
    };
    for v in extra.as_array().ok_or_else(bad)? {
        let name = v.as_str().ok_or_else(bad)?;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// The `SlotSpec::extra` key naming the architecture parameter of a slot: slots with the same
/// name share one parameter (one categorical, or one α for mixed operators). Without it, the
/// parameter is named by the slot's path.
pub const ARCH_PARAM_KEY: &str = "arch_param";

impl CandidateSets {
    /// The same candidates for every slot.
    pub fn uniform<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            candidates: names.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The same candidates for every slot, each slot a `mixed_op` over all of them.
    pub fn mixed<S: Into<String>>(mixed_op: &str, names: impl IntoIterator<Item = S>) -> Self {
        Self {
            mixed_op: Some(mixed_op.to_string()),
            ..Self::uniform(names)
        }
    }

    /// The candidates of the slot at path `key`.
    pub fn for_slot(&self, key: &str) -> &[String] {
        self.slots.get(key).unwrap_or(&self.candidates)
    }
}

impl Default for CandidateSets {
    fn default() -> Self {
        Self {
            candidates: vec![],
            slots: IndexMap::new(),
            mixed_op: None,
            alpha_init_std: default_alpha_std(),
        }
    }
}

/// A constructed search space: the model with filled slots, the parameter space, and the
/// transform routine that keeps the model in sync with the parameters.
pub struct Constructed<M> {
    /// The model; its slots hold the candidates of the current parameter values.
    pub model: M,
    /// One categorical parameter per slot, named by the slot's key.
    pub space: ParamSpace,
    /// Handlers that swap slot entities on update.
    pub transform: Transform<M>,
    /// The handles of the mixed operators, one per slot (empty without `mixed_op`).
    pub mixed: Vec<MixedHandle>,
}

impl<M> Constructed<M> {
    /// Sets the parameters of `arch` and runs the transform routine. Returns the number of
    /// handler calls.
    pub fn apply(&mut self, arch: &ArchDesc) -> Result<usize, ConstructError> {
        self.space.apply(arch)?;
        self.transform_pending()
    }

    /// Runs the transform routine on pending updates.
    pub fn transform_pending(&mut self) -> Result<usize, ConstructError> {
        Ok(self.transform.run(&self.space, &mut self.model)?)
    }
}

/// Replaces the entity of the slot keyed `key` in `model`.
pub fn set_slot_entity<M: Module>(
    model: &mut M,
    key: &str,
    entity: CandidateBox,
) -> Result<(), ConstructError> {
    let pending = Rc::new(RefCell::new(Some(entity)));
    let cell = pending.clone();
    let target = key.to_string();
    replace_with::replace_with_or_abort(model, move |m| {
        edit_slots(m, move |_, slot: &mut Slot| {
            if slot.key() == target {
                if let Some(e) = cell.borrow_mut().take() {
                    slot.set_entity(e);
                }
            }
        })
    });
    if pending.borrow().is_some() {
        return Err(ConstructError::UnknownSlot {
            name: key.to_string(),
            known: slot_keys(model).join(", "),
        });
    }
    Ok(())
}

fn slot_keys<M: Module>(model: &M) -> Vec<String> {
    list_slots(model).into_iter().map(|s| s.key).collect()
}

/// Runs the default Construct routine on `model`, building candidates on `device`.
pub fn construct<M: Module + 'static>(
    model: M,
    sets: &CandidateSets,
    device: &Device,
) -> Result<Constructed<M>, ConstructError> {
    let slots = list_slots(&model);
    let paths: Vec<&str> = slots.iter().map(|s| s.path.as_str()).collect();
    if let Some(unknown) = sets.slots.keys().find(|k| !paths.contains(&k.as_str())) {
        return Err(ConstructError::UnknownSlot {
            name: unknown.clone(),
            known: paths.join(", "),
        });
    }
    let mixed_kind = sets.mixed_op.as_deref().map(mixed_op_kind).transpose()?;
    let mut c = Constructed {
        model,
        space: ParamSpace::new(),
        transform: Transform::new(&ParamSpace::new()),
        mixed: vec![],
    };
    c.transform = Transform::new(&c.space);
    let mut initial: HashMap<String, CandidateBox> = HashMap::new();
    for slot in &slots {
        let names = slot_candidates(sets, &slot.path, &slot.spec)?;
        let names = names.as_slice();
        if names.is_empty() {
            return Err(ConstructError::NoCandidates(slot.path.clone()));
        }
        for name in names {
            lookup::<crate::CandidateEntry>(name)?;
        }
        let param = match slot.spec.extra.get(ARCH_PARAM_KEY) {
            Some(toml::Value::String(p)) => p.clone(),
            Some(other) => {
                return Err(ConstructError::InvalidSpec(format!(
                    "slot `{}`: `{ARCH_PARAM_KEY}` must be a string, got {other}",
                    slot.path
                )))
            }
            None => slot.path.clone(),
        };
        let entity = match (mixed_kind, &sets.mixed_op) {
            (Some(kind), Some(op_name)) => {
                let handle = mixed_handle(&mut c, kind, names, &param, sets, device)?;
                let cands = names
                    .iter()
                    .map(|n| build_candidate(n, &slot.spec, device))
                    .collect::<Result<Vec<_>, _>>()?;
                c.mixed.push(handle.clone());
                CandidateBox::new(op_name.clone(), MixedOp::new(cands, handle))
            }
            _ => {
                add_categorical(&mut c.space, &param, names, &slot.path)?;
                let (key, spec, dev) = (slot.path.clone(), slot.spec.clone(), device.clone());
                let param = param.clone();
                c.transform.add_handler(
                    format!("slot:{key}"),
                    Trigger::on(param.clone()),
                    move |ctx, m: &mut M| {
                        let value = ctx.value(&param)?;
                        let name = value
                            .as_str()
                            .ok_or_else(|| format!("slot value {value} is not a candidate name"))?;
                        set_slot_entity(m, &key, build_candidate(name, &spec, &dev)?)?;
                        Ok(())
                    },
                );
                build_candidate(&names[0], &slot.spec, device)?
            }
        };
        initial.insert(slot.path.clone(), entity);
        tracing::debug!(slot = %slot.path, param = %param, candidates = ?names, "slot constructed");
    }
    c.model = edit_slots(c.model, move |path, slot| {
        if let Some(entity) = initial.remove(path) {
            slot.set_key(path);
            slot.set_entity(entity);
        }
    });
    Ok(c)
}

/// Adds the categorical `param` over `names`, or checks that the shared one has the same choices.
fn add_categorical(
    space: &mut ParamSpace,
    param: &str,
    names: &[String],
    slot: &str,
) -> Result<(), ConstructError> {
    let cat = Categorical::new(names.iter().map(String::as_str))?;
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
        add_categorical(&mut c.space, param, names, param)?;
        let handle = MixedHandle::new(kind, names.to_vec(), None, param);
        let (h, p, names) = (handle.clone(), param.to_string(), names.to_vec());
        let id = c.mixed.len();
        c.transform.add_handler(
            format!("mixed:{param}#{id}"),
            Trigger::on(param.to_string()),
            move |ctx, _m: &mut M| {
                let value = ctx.value(&p)?;
                let i = names
                    .iter()
                    .position(|n| Some(n.as_str()) == value.as_str())
                    .ok_or_else(|| format!("`{value}` is not a candidate of `{p}`"))?;
                h.set_active(vec![i]);
                Ok(())
            },
        );
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
