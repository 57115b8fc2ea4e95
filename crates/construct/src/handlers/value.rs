//! Binding value choices to the parameter space: one categorical per parameter name and one
//! handler that sets every [`ValueChoice`](crate::ValueChoice) of that name when it changes.

use crate::{ConstructError, Constructed, ValueChoice};
use burn::module::Module;
use indexmap::IndexMap;
use modnas_param_space::{Categorical, Trigger};

/// Adds the parameters of `values` to `c` and the handlers that keep them in sync. Values
/// naming one parameter must offer the same choices, and a slot's parameter cannot be one.
pub(crate) fn bind_values<M: Module + 'static>(
    c: &mut Constructed<M>,
    values: Vec<ValueChoice>,
) -> Result<(), ConstructError> {
    let mut by_param: IndexMap<String, Vec<ValueChoice>> = IndexMap::new();
    for v in values {
        let group = by_param.entry(v.param().to_string()).or_default();
        if let Some(first) = group.first() {
            if first.choices() != v.choices() {
                return Err(ConstructError::InvalidSpec(format!(
                    "value choice `{}` has choices {:?} in one place and {:?} in another",
                    v.param(),
                    first.choices(),
                    v.choices()
                )));
            }
        }
        if !group.iter().any(|g| g.same_as(&v)) {
            group.push(v);
        }
    }
    for (param, group) in by_param {
        if c.space.get(&param).is_some() {
            return Err(ConstructError::InvalidSpec(format!(
                "value choice `{param}` names a parameter the model already has (a slot's or an elastic one)"
            )));
        }
        c.space
            .insert(&param, Categorical::new(group[0].choices().to_vec())?)?;
        let p = param.clone();
        c.transform.add_handler(
            format!("value:{param}"),
            Trigger::on(param.clone()),
            move |ctx, _m: &mut M| {
                let value = ctx.value(&p)?.clone();
                for v in &group {
                    v.set(value.clone()).map_err(ConstructError::InvalidSpec)?;
                }
                Ok(())
            },
        );
        tracing::debug!(param = %param, "value choice bound");
    }
    Ok(())
}
