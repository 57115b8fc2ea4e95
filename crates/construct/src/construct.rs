//! The default Construct routine (paper, Algorithm 3): fill every slot from its candidate set,
//! add one categorical parameter per slot, and a handler that swaps the slot's entity when the
//! parameter changes (paper, Figures 7–8).

use crate::{build_candidate, edit_slots, list_slots, CandidateBox, ConstructError, Slot};
use burn::module::Module;
use burn::tensor::Device;
use indexmap::IndexMap;
use modnas_param_space::{lookup, ArchDesc, Categorical, ParamSpace, Transform, Trigger};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Which candidates each slot chooses from: a default set plus per-slot overrides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateSets {
    /// Candidates of every slot without an override (the first is the initial choice).
    #[serde(default)]
    pub candidates: Vec<String>,
    /// Per-slot candidates, keyed by slot path (`convs.1`).
    #[serde(default)]
    pub slots: IndexMap<String, Vec<String>>,
}

impl CandidateSets {
    /// The same candidates for every slot.
    pub fn uniform<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            candidates: names.into_iter().map(Into::into).collect(),
            slots: IndexMap::new(),
        }
    }

    fn for_slot(&self, key: &str) -> &[String] {
        self.slots.get(key).unwrap_or(&self.candidates)
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
    let mut space = ParamSpace::new();
    let mut transform = Transform::new(&space);
    let mut initial: HashMap<String, CandidateBox> = HashMap::new();
    for slot in &slots {
        let names = sets.for_slot(&slot.path);
        let first = names
            .first()
            .ok_or_else(|| ConstructError::NoCandidates(slot.path.clone()))?;
        for name in names {
            lookup::<crate::CandidateEntry>(name)?;
        }
        initial.insert(
            slot.path.clone(),
            build_candidate(first, &slot.spec, device)?,
        );
        space.insert(
            slot.path.clone(),
            Categorical::new(names.iter().map(String::as_str))?,
        )?;
        let (key, spec, device) = (slot.path.clone(), slot.spec.clone(), device.clone());
        transform.add_handler(
            format!("slot:{key}"),
            Trigger::on(key.clone()),
            move |ctx, m: &mut M| {
                let value = ctx.value(&key)?;
                let name = value
                    .as_str()
                    .ok_or_else(|| format!("slot value {value} is not a candidate name"))?;
                set_slot_entity(m, &key, build_candidate(name, &spec, &device)?)?;
                Ok(())
            },
        );
        tracing::debug!(slot = %slot.path, candidates = ?names, "slot constructed");
    }
    let model = edit_slots(model, move |path, slot| {
        if let Some(entity) = initial.remove(path) {
            slot.set_key(path);
            slot.set_entity(entity);
        }
    });
    Ok(Constructed {
        model,
        space,
        transform,
    })
}
