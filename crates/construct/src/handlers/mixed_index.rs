//! The handler of an `IndexMixedOp` (single-path one-shot search): its categorical picks the
//! path that runs.

use crate::{ConstructError, Constructed, MixedHandle};
use burn::module::Module;
use modnas_param_space::Trigger;

/// Adds the handler that makes `handle` run the candidate that `param` names.
pub(crate) fn add_mixed_index<M: Module + 'static>(
    c: &mut Constructed<M>,
    handle: &MixedHandle,
    names: &[String],
    param: &str,
) {
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
                .ok_or_else(|| {
                    ConstructError::InvalidSpec(format!("`{value}` is not a candidate of `{p}`"))
                })?;
            h.set_active(vec![i]);
            Ok(())
        },
    );
}
