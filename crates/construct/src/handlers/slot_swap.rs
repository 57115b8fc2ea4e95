//! The handler of a categorical slot (paper, Figures 7–8): when the slot's parameter, or a
//! parameter of a slot inside its candidates, changes, the chosen candidate is built with its
//! inner slots filled and set as the slot's entity.

use crate::fill::{empty_slots, param_name, set_entities, MAX_DEPTH};
use crate::{
    build_candidate, edit_slots, list_slots, CandidateBox, ConstructError, Constructed, Slot,
    SlotSpec,
};
use burn::module::Module;
use burn::tensor::Device;
use modnas_param_space::Trigger;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Adds the handler that swaps the entity of the slot at `path` whenever one of `params` (its
/// own parameter first, then those of slots inside its candidates) changes.
pub(crate) fn add_slot_swap<M: Module + 'static>(
    c: &mut Constructed<M>,
    path: &str,
    spec: &SlotSpec,
    device: &Device,
    params: Vec<String>,
) {
    let (key, spec, dev) = (path.to_string(), spec.clone(), device.clone());
    let param = params[0].clone();
    c.transform.add_handler(
        format!("slot:{key}"),
        Trigger::any_of(params),
        move |ctx, m: &mut M| {
            let value_of = |p: &str| -> Result<String, ConstructError> {
                let v = ctx.space().value(p)?;
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ConstructError::InvalidSpec(format!(
                        "slot `{key}`: value {v} of `{p}` is not a candidate name"
                    ))
                })
            };
            let name = value_of(&param)?;
            let entity = rebuild(&name, &spec, &key, &dev, &value_of, 0)?;
            set_slot_entity(m, &key, entity)?;
            Ok(())
        },
    );
}

/// Candidate `name` for the slot at `path`, its inner slots filled with the candidates that
/// `value_of` gives their parameters.
fn rebuild(
    name: &str,
    spec: &SlotSpec,
    path: &str,
    device: &Device,
    value_of: &dyn Fn(&str) -> Result<String, ConstructError>,
    depth: usize,
) -> Result<CandidateBox, ConstructError> {
    let cand = build_candidate(name, spec, device)?;
    let inner = empty_slots(&cand);
    if inner.is_empty() || depth > MAX_DEPTH {
        return Ok(cand);
    }
    let mut entities = HashMap::new();
    for slot in inner {
        let inner_path = format!("{path}.{}", slot.path);
        let param = param_name(&slot.spec, &inner_path)?;
        let choice = value_of(&param)?;
        let entity = rebuild(
            &choice,
            &slot.spec,
            &inner_path,
            device,
            value_of,
            depth + 1,
        )?;
        entities.insert(slot.path, (inner_path, entity));
    }
    Ok(set_entities(cand, entities))
}

/// Replaces the entity of the slot keyed `key` in `model`.
pub(crate) fn set_slot_entity<M: Module>(
    model: &mut M,
    key: &str,
    entity: CandidateBox,
) -> Result<(), ConstructError> {
    let pending = Rc::new(RefCell::new(Some(entity)));
    let cell = pending.clone();
    let target = key.to_string();
    crate::map_in_place(model, move |m| {
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
            known: list_slots(model)
                .into_iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}
