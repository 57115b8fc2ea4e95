//! The NAS-Bench-201 cell space as a parameter space, and its architecture strings
//! `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.

use crate::EstimError;
pub use modnas_construct::ops::{NB201_EDGES, NB201_OPS};
use modnas_param_space::{ArchDesc, Categorical, ParamSpace, ParamSpaceError};

/// The NB201 space: six categorical edges over [`NB201_OPS`].
pub fn nb201_space() -> ParamSpace {
    let mut space = ParamSpace::new();
    add_nb201_edges(&mut space).expect("an empty space has no edge yet");
    space
}

/// Adds the six NB201 edges, each a categorical over [`NB201_OPS`], to `space`; fails if it
/// already has a parameter of an edge's name.
pub fn add_nb201_edges(space: &mut ParamSpace) -> Result<(), ParamSpaceError> {
    for edge in NB201_EDGES {
        space.insert(edge, Categorical::new(NB201_OPS).expect("distinct ops"))?;
    }
    Ok(())
}

/// The NB201 architecture string of `arch`.
pub fn nb201_arch_string(arch: &ArchDesc) -> Result<String, EstimError> {
    let op = |i: usize| -> Result<&str, EstimError> {
        arch.get(NB201_EDGES[i])
            .and_then(|v| v.as_str())
            .ok_or_else(|| EstimError::InvalidArgs {
                component: "TabularEstim".into(),
                reason: format!(
                    "key format `nb201` needs string parameters [{}]; the architecture is {}",
                    NB201_EDGES.join(", "),
                    arch.summary()
                ),
            })
    };
    Ok(format!(
        "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|",
        op(0)?,
        op(1)?,
        op(2)?,
        op(3)?,
        op(4)?,
        op(5)?
    ))
}

/// Parses an NB201 architecture string back into edge assignments.
pub fn parse_nb201_arch_string(key: &str) -> Result<ArchDesc, String> {
    let ops: Vec<&str> = key
        .split('+')
        .flat_map(|node| node.split('|').filter(|t| !t.is_empty()))
        .map(|t| t.split('~').next().unwrap_or(t))
        .collect();
    if ops.len() != NB201_EDGES.len() || ops.iter().any(|op| !NB201_OPS.contains(op)) {
        return Err(format!(
            "`{key}` is not an NB201 arch string over [{}]",
            NB201_OPS.join(", ")
        ));
    }
    Ok(NB201_EDGES
        .iter()
        .zip(ops)
        .map(|(e, op)| (*e, op))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_string_follows_the_nb201_layout() {
        let arch: ArchDesc = NB201_EDGES
            .iter()
            .zip(NB201_OPS.iter().cycle())
            .map(|(e, o)| (*e, *o))
            .collect();
        assert_eq!(
            nb201_arch_string(&arch).unwrap(),
            "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|"
        );
        assert_eq!(nb201_space().len(), 6);
        assert!(nb201_arch_string(&ArchDesc::new()).is_err());
        let key = nb201_arch_string(&arch).unwrap();
        assert_eq!(parse_nb201_arch_string(&key).unwrap(), arch);
        assert!(parse_nb201_arch_string("|conv~0|+|").is_err());
    }
}
