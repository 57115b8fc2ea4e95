//! The optimizer interfaces and their one registry: discrete search algorithms ([`ArchOptim`])
//! and gradient optimizers of a supernet's α ([`GradientOptim`]) register by name side by
//! side, and [`build_search_optim`] builds either as a [`SearchOptim`].

use crate::{GradientOptim, OptimError};
use modnas_core::{deserialize_args, lookup, registered_names, MetricMap};
use modnas_param_space::{ArchDesc, ParamSpace};
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

    /// How much training the proposal `arch` gets, for optimizers that choose each trial's
    /// fidelity (`HyperbandOptim`); `None` (the default): a full training.
    fn fidelity(&self, _arch: &ArchDesc) -> Option<crate::Fidelity> {
        None
    }

    /// What the optimizer's fidelities measure, when it chooses them
    /// ([`fidelity`](Self::fidelity)): the run then needs trials that train in its own
    /// process and honour that kind. `None` (the default): it does not choose fidelities.
    fn chooses_fidelity(&self) -> Option<crate::FidelityKind> {
        None
    }

    /// How many of the first proposals are random (an initial population or sample) before
    /// the method proposes by its own rule. A search whose budget ends within them is random
    /// search, so the run warns.
    fn random_proposals(&self) -> usize {
        0
    }
}

/// A registered optimizer, built: a discrete search algorithm, or a gradient optimizer of the
/// tensor parameters of a supernet.
pub enum SearchOptim {
    /// Proposes architectures and learns from their metrics (`SubNetEstim` and kin).
    Discrete(Box<dyn ArchOptim>),
    /// Steps α from the gradients a supernet estimator computes (`SuperNetEstim`).
    Gradient(Box<dyn GradientOptim>),
}

impl SearchOptim {
    /// The discrete optimizer; `name` (its registry id) is named in the error for a gradient
    /// one.
    pub fn into_discrete(self, name: &str) -> Result<Box<dyn ArchOptim>, OptimError> {
        match self {
            SearchOptim::Discrete(o) => Ok(o),
            SearchOptim::Gradient(_) => Err(crate::gradient::gradient_optim::not_discrete(name)),
        }
    }

    /// The gradient optimizer; `name` (its registry id) is named in the error for a discrete
    /// one.
    pub fn into_gradient(self, name: &str) -> Result<Box<dyn GradientOptim>, OptimError> {
        match self {
            SearchOptim::Gradient(o) => Ok(o),
            SearchOptim::Discrete(_) => Err(OptimError::Unsupported(format!(
                "{name} is a discrete search algorithm, not a gradient optimizer of α (such as \
                 DARTSOptim) that a supernet estimator steps"
            ))),
        }
    }

    /// The discrete optimizer, if this is one.
    pub fn discrete(&mut self) -> Option<&mut dyn ArchOptim> {
        match self {
            SearchOptim::Discrete(o) => Some(o.as_mut()),
            SearchOptim::Gradient(_) => None,
        }
    }

    /// The gradient optimizer, if this is one.
    pub fn gradient(&mut self) -> Option<&mut dyn GradientOptim> {
        match self {
            SearchOptim::Gradient(o) => Some(o.as_mut()),
            SearchOptim::Discrete(_) => None,
        }
    }
}

impl From<Box<dyn ArchOptim>> for SearchOptim {
    fn from(optim: Box<dyn ArchOptim>) -> Self {
        SearchOptim::Discrete(optim)
    }
}

impl From<Box<dyn GradientOptim>> for SearchOptim {
    fn from(optim: Box<dyn GradientOptim>) -> Self {
        SearchOptim::Gradient(optim)
    }
}

/// Builds an optimizer for a space from TOML arguments and a seed.
pub type OptimBuildFn = fn(&ParamSpace, &toml::Table, u64) -> Result<SearchOptim, OptimError>;

modnas_core::registry_entry!(
    /// A registered optimizer.
    OptimEntry, "optimizer", OptimBuildFn
);

/// Registers a discrete optimizer ([`ArchOptim`]): its doc comment (what `modnas list
/// --detail` says of it), its name and a closure from the space, its argument type (what its
/// `args` table deserializes into, whose keys `list --detail` shows; errors name the
/// optimizer) and the seed to `Result<impl ArchOptim, OptimError>`:
///
/// ```
/// use modnas_optim::{register_optim, RandomSearchOptim};
/// # use modnas_optim::optim_names;
/// register_optim!(
///     /// random search under another name
///     "MyRandomOptim", |space, _args: modnas_core::NoArgs, seed| Ok(RandomSearchOptim::new(space, seed))
/// );
/// assert!(optim_names().contains(&"MyRandomOptim"));
/// ```
#[macro_export]
macro_rules! register_optim {
    ($($t:tt)*) => {
        $crate::__register_optim!(Discrete; $($t)*);
    };
}

/// Registers a gradient optimizer ([`GradientOptim`]), as [`register_optim!`] does a discrete
/// one: `register_gradient_optim!(/// what it is\n "MyGradOptim", |space, args: MyArgs, seed|
/// MyGradOptim::new(space, args, seed));`.
#[macro_export]
macro_rules! register_gradient_optim {
    ($(#[doc = $about:expr])* $name:literal, $($t:tt)*) => {
        $crate::__register_optim!(Gradient; $(#[doc = $about])* $name, $($t)*);
        $crate::inventory::submit! { $crate::GradientOptimName($name) }
    };
}

/// The body of [`register_optim!`] and [`register_gradient_optim!`]: the `SearchOptim`
/// variant the optimizer is built as, then the registration.
#[doc(hidden)]
#[macro_export]
macro_rules! __register_optim {
    ($variant:ident; $(#[doc = $about:expr])* $name:literal,
     |$space:tt, $a:tt : $args:ty, $seed:tt| $body:expr) => {
        $crate::__core::submit_component!(
            $crate::OptimEntry, $name, [$($about),*], $args,
            |$space, table, $seed| {
                let $a: $args = $crate::parse_optim_args($name, table)?;
                let built: ::std::result::Result<_, $crate::OptimError> = $body;
                Ok($crate::SearchOptim::$variant(Box::new(built?)))
            }
        );
    };
}

/// The name of a gradient optimizer, which [`register_gradient_optim!`] registers beside its
/// entry: how the registry tells the two kinds apart without building them (a gradient
/// optimizer needs a space with α to be built).
pub struct GradientOptimName(pub &'static str);

inventory::collect!(GradientOptimName);

/// Builds the optimizer registered as `name`, discrete or gradient.
pub fn build_search_optim(
    name: &str,
    space: &ParamSpace,
    args: &toml::Table,
    seed: u64,
) -> Result<SearchOptim, OptimError> {
    (lookup::<OptimEntry>(name)?.build)(space, args, seed)
}

/// Builds the discrete optimizer registered as `name`; a gradient optimizer is refused with
/// the estimator it needs.
pub fn build_optim(
    name: &str,
    space: &ParamSpace,
    args: &toml::Table,
    seed: u64,
) -> Result<Box<dyn ArchOptim>, OptimError> {
    build_search_optim(name, space, args, seed)?.into_discrete(name)
}

/// Builds the gradient optimizer registered as `name`; a discrete one is refused with the
/// gradient optimizers there are.
pub fn build_gradient_optim(
    name: &str,
    space: &ParamSpace,
    args: &toml::Table,
    seed: u64,
) -> Result<Box<dyn GradientOptim>, OptimError> {
    build_search_optim(name, space, args, seed)?.into_gradient(name)
}

/// Names of all registered optimizers, discrete and gradient, sorted.
pub fn optim_names() -> Vec<&'static str> {
    registered_names::<OptimEntry>()
}

/// Names of the registered gradient optimizers (`gradient`: those registered with
/// [`register_gradient_optim!`]) or of the discrete ones, sorted: what a config error lists as
/// the optimizers that fit an estimator.
///
/// ```
/// let gradient = modnas_optim::optim_names_of_kind(true);
/// assert!(gradient.contains(&"DARTSOptim") && !gradient.contains(&"RandomSearchOptim"));
/// let discrete = modnas_optim::optim_names_of_kind(false);
/// assert!(discrete.contains(&"RandomSearchOptim") && !discrete.contains(&"DARTSOptim"));
/// ```
pub fn optim_names_of_kind(gradient: bool) -> Vec<&'static str> {
    let marked: Vec<&str> = inventory::iter::<GradientOptimName>()
        .map(|g| g.0)
        .collect();
    optim_names()
        .into_iter()
        .filter(|name| marked.contains(name) == gradient)
        .collect()
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
