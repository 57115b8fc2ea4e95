//! Binding elastic handles to the parameter space: one integer categorical per parameter name
//! and one handler that sets every handle of that name when the parameter changes (the flow
//! of the paper's Figure 5; several groups may listen to one parameter).

use crate::{ConstructError, Constructed, ElasticHandle};
use burn::module::Module;
use indexmap::IndexMap;
use modnas_param_space::{Categorical, ParamKind, Trigger};

/// Adds the parameters of `handles` to `c` and the handlers that keep them in sync. Handles
/// naming one parameter must offer the same choices.
pub fn bind_elastic<M: Module + 'static>(
    c: &mut Constructed<M>,
    handles: Vec<ElasticHandle>,
) -> Result<(), ConstructError> {
    let mut by_param: IndexMap<String, Vec<ElasticHandle>> = IndexMap::new();
    for h in handles {
        let group = by_param.entry(h.param().to_string()).or_default();
        if let Some(first) = group.first() {
            if first.choices() != h.choices() {
                return Err(ConstructError::InvalidSpec(format!(
                    "elastic parameter `{}` has choices {:?} in one group and {:?} in another",
                    h.param(),
                    first.choices(),
                    h.choices()
                )));
            }
        }
        if !group.iter().any(|g| g.same_as(&h)) {
            group.push(h);
        }
    }
    for (param, group) in by_param {
        let choices = group[0].choices().to_vec();
        match c.space.get(&param).map(|p| p.kind()) {
            None => {
                c.space
                    .insert(&param, Categorical::new(choices.iter().copied())?)?;
            }
            Some(ParamKind::Categorical(_)) => {}
            Some(_) => {
                return Err(ConstructError::InvalidSpec(format!(
                    "elastic parameter `{param}` is also a parameter of another kind"
                )))
            }
        }
        let p = param.clone();
        c.transform.add_handler(
            format!("elastic:{param}"),
            Trigger::on(param.clone()),
            move |ctx, _m: &mut M| {
                let value = ctx.value(&p)?;
                let v = value.as_i64().ok_or_else(|| {
                    ConstructError::InvalidSpec(format!("`{p}` = {value} is not an integer"))
                })?;
                for h in &group {
                    h.set(v).map_err(ConstructError::InvalidSpec)?;
                }
                Ok(())
            },
        );
        tracing::debug!(param = %param, choices = ?choices, "elastic parameter bound");
    }
    Ok(())
}
