//! The optimizer interface and its registry.

use crate::{GradientOptim, OptimError};
use modnas_param_space::{
    deserialize_args, lookup, registered_names, ArchDesc, MetricMap, ParamSpace,
};
use serde::de::DeserializeOwned;

/// A search algorithm over the discrete parameters of a space (paper, Appendix C.2).
pub trait ArchOptim: Send {
    /// Proposes up to `n` architectures to evaluate next. An empty list means the optimizer
    /// has nothing more to propose (the space is exhausted).
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError>;

    /// Learns from the metrics of an evaluated architecture.
    fn step(&mut self, arch: &ArchDesc, metrics: &MetricMap) -> Result<(), OptimError>;

    /// For multi-objective optimizers: the Pareto front of the evaluated architectures.
    fn pareto_front(&self) -> Option<Vec<(ArchDesc, MetricMap)>> {
        None
    }

    /// For optimizers that learn from one metric: which one, and in which direction.
    fn score(&self) -> Option<&crate::Score> {
        None
    }

    /// For gradient-based optimizers (DARTS and kin): their gradient interface.
    fn as_gradient(&mut self) -> Option<&mut dyn GradientOptim> {
        None
    }
}

/// Builds an optimizer for a space from TOML arguments and a seed.
pub type OptimBuildFn =
    fn(&ParamSpace, &toml::Table, u64) -> Result<Box<dyn ArchOptim>, OptimError>;

modnas_param_space::registry_entry!(
    /// A registered optimizer.
    OptimEntry, "optimizer", OptimBuildFn
);

/// Registers an optimizer constructor under a name.
///
/// With `new = constructor`, the constructor takes `(&ParamSpace, Args, seed)` and returns
/// `Result<Self, OptimError>`, where `Args` is the optimizer's deserializable argument struct;
/// the arguments are parsed (errors name the optimizer) and the optimizer boxed:
/// `register_optim!("MyOptim", new = MyOptim::new);`.
#[macro_export]
macro_rules! register_optim {
    ($name:literal, new = $new:expr) => {
        $crate::inventory::submit! {
            $crate::OptimEntry::new($name, |space, args, seed| {
                $crate::build_typed($name, space, args, seed, $new)
            })
        }
    };
    ($name:expr, $build:expr) => {
        $crate::inventory::submit! { $crate::OptimEntry::new($name, $build) }
    };
}

/// Parses `args` for the optimizer `name` and boxes what `new` builds from them
/// (used by [`register_optim!`]).
pub fn build_typed<A: DeserializeOwned, O: ArchOptim + 'static>(
    name: &str,
    space: &ParamSpace,
    args: &toml::Table,
    seed: u64,
    new: impl FnOnce(&ParamSpace, A, u64) -> Result<O, OptimError>,
) -> Result<Box<dyn ArchOptim>, OptimError> {
    Ok(Box::new(new(space, parse_optim_args(name, args)?, seed)?))
}

/// Builds the optimizer registered as `name`.
pub fn build_optim(
    name: &str,
    space: &ParamSpace,
    args: &toml::Table,
    seed: u64,
) -> Result<Box<dyn ArchOptim>, OptimError> {
    (lookup::<OptimEntry>(name)?.build)(space, args, seed)
}

/// Names of all registered optimizers, sorted.
pub fn optim_names() -> Vec<&'static str> {
    registered_names::<OptimEntry>()
}

/// Deserializes an optimizer's arguments, naming the optimizer in errors.
pub fn parse_optim_args<T: DeserializeOwned>(
    optim: &str,
    args: &toml::Table,
) -> Result<T, OptimError> {
    deserialize_args(args).map_err(|reason| OptimError::InvalidArgs {
        optim: optim.to_string(),
        reason,
    })
}
