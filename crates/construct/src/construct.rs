//! The default Construct routine (paper, Algorithm 3): fill every slot from its candidate set,
//! add one categorical parameter per slot, and a handler that swaps the slot's entity when the
//! parameter changes (paper, Figures 7–8).

use crate::fill::Filler;
use crate::{
    edit_slots, list_slots, mixed_op_def, CandidateBox, ConstructError, MixedHandle, SlotSpec,
};
use burn::module::Module;
use burn::tensor::Device;
use indexmap::IndexMap;
use modnas_param_space::{ArchDesc, ParamSpace, Transform};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which candidates each slot chooses from: a default set plus per-slot overrides.
#[modnas_core::nas_config]
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
    #[config(default = 1e-3)]
    pub alpha_init_std: f64,
}

/// The `SlotSpec::extra` key of candidates a model offers at one slot on top of the
/// configured set (a skip where a block keeps its shape): a list of candidate names, added
/// unless the set has them.
pub const EXTRA_CANDIDATES_KEY: &str = "extra_candidates";

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

    /// The candidates of the slot at `path` with `spec`: the config's set for that path, else
    /// the model's own set ([`CANDIDATES_KEY`]), else the config's default set; then the
    /// spec's [`EXTRA_CANDIDATES_KEY`] names it lacks. The construct routine and the latency
    /// table both follow this rule.
    pub fn candidates_for(
        &self,
        path: &str,
        spec: &SlotSpec,
    ) -> Result<Vec<String>, ConstructError> {
        let mut names = match (
            self.slots.get(path),
            spec_names(spec, CANDIDATES_KEY, path)?,
        ) {
            (Some(set), _) => set.clone(),
            (None, Some(own)) => own,
            (None, None) => self.candidates.clone(),
        };
        for name in spec_names(spec, EXTRA_CANDIDATES_KEY, path)?.unwrap_or_default() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok(names)
    }
}

/// A list of candidate names under `key` of the spec, if present.
fn spec_names(
    spec: &SlotSpec,
    key: &str,
    path: &str,
) -> Result<Option<Vec<String>>, ConstructError> {
    let Some(value) = spec.extra.get(key) else {
        return Ok(None);
    };
    let bad = || {
        ConstructError::InvalidSpec(format!(
            "slot `{path}`: `{key}` must be a list of candidate names, got {value}"
        ))
    };
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl Default for CandidateSets {
    fn default() -> Self {
        Self::new()
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

    /// [`apply`](Self::apply) of the parameters of this space that `arch` names, leaving out
    /// the others: the values a user reads while building the model (a width, a depth), which
    /// the model already has.
    pub fn apply_known(&mut self, arch: &ArchDesc) -> Result<usize, ConstructError> {
        let own: ArchDesc = arch
            .iter()
            .filter(|(name, _)| self.space.get(name).is_some())
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        self.apply(&own)
    }

    /// Runs the transform routine on pending updates.
    pub fn transform_pending(&mut self) -> Result<usize, ConstructError> {
        Ok(self.transform.run(&self.space, &mut self.model)?)
    }
}

/// The `SlotSpec::extra` key of a model's own candidate set for a slot (a list of names): used
/// unless the config gives a per-slot set, in place of the config's `candidates`. Nested spaces
/// use it so that the slots of a cell and those of its motifs choose from different sets.
pub const CANDIDATES_KEY: &str = "candidates";

/// Runs the default Construct routine on `model`, building candidates on `device`.
///
/// A candidate may hold slots of its own (a motif of smaller ops): they are filled the same
/// way, each bound to its `arch_param` (or to its path below the outer slot). With a mixed
/// operator every candidate is built once and keeps its weights; without one, the handler of
/// the outer slot also watches the inner parameters and rebuilds the chosen candidate, inner
/// slots filled, whenever any of them changes.
pub fn construct<M: Module + 'static>(
    model: M,
    sets: &CandidateSets,
    device: &Device,
) -> Result<Constructed<M>, ConstructError> {
    construct_as(model, sets, &ArchDesc::new(), device)
}

/// [`construct`] with every categorical slot filled as `arch` chooses (the first candidate
/// where it names none), so that a trial's network is built in its architecture and each
/// chosen candidate is built once, not a default first and the choice after it. `arch` is
/// not checked here: apply it afterwards ([`Constructed::apply`], a no-op on the choices it
/// already holds) to refuse values outside the space.
///
/// ```
/// use burn::module::Module;
/// use burn::tensor::Device;
/// use modnas_construct::{construct_as, CandidateSets, Slot};
/// use modnas_param_space::ArchDesc;
///
/// #[derive(Module, Debug)]
/// struct Net {
///     conv: Slot,
/// }
///
/// let arch = ArchDesc::from_toml("conv = \"NC5\"").unwrap();
/// let sets = CandidateSets::uniform(["NC3", "NC5"]);
/// let mut c = construct_as(Net { conv: Slot::new(1, 4, 1) }, &sets, &arch, &Device::default()).unwrap();
/// assert_eq!(c.model.conv.entity().map(|e| e.name()), Some("NC5"));
/// assert_eq!(c.apply(&arch).unwrap(), 0); // nothing left to swap
/// ```
pub fn construct_as<M: Module + 'static>(
    model: M,
    sets: &CandidateSets,
    arch: &ArchDesc,
    device: &Device,
) -> Result<Constructed<M>, ConstructError> {
    let slots = list_slots(&model);
    let mixed = sets.mixed_op.as_deref().map(mixed_op_def).transpose()?;
    let mut c = Constructed {
        model,
        space: ParamSpace::new(),
        transform: Transform::new(&ParamSpace::new()),
        mixed: vec![],
    };
    c.transform = Transform::new(&c.space);
    let mut filler = Filler::new(sets, mixed, device, arch);
    let mut initial: HashMap<String, CandidateBox> = HashMap::new();
    for slot in &slots {
        let entity = filler.fill_top(&mut c, &slot.path, &slot.spec)?;
        initial.insert(slot.path.clone(), entity);
    }
    if let Some(unknown) = sets
        .slots
        .keys()
        .find(|k| !filler.paths().contains(k.as_str()))
    {
        let mut known: Vec<&str> = filler.paths().iter().map(String::as_str).collect();
        known.sort_unstable();
        return Err(ConstructError::UnknownSlot {
            name: unknown.clone(),
            known: known.join(", "),
        });
    }
    c.model = edit_slots(c.model, move |path, slot| {
        if let Some(entity) = initial.remove(path) {
            slot.set_key(path);
            slot.set_entity(entity);
        }
    });
    let handles = crate::elastic_handles(&c.model);
    crate::handlers::bind_elastic(&mut c, handles)?;
    let values = crate::value_choices(&c.model);
    crate::handlers::bind_values(&mut c, values)?;
    Ok(c)
}
