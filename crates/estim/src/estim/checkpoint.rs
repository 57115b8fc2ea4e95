//! Checkpoints of a supernet search, taken after every epoch: the network's weights (with BN
//! statistics and parameter ids), the weight optimizer's state, α and Adam's state on α, and
//! the number of finished epochs. Each is written into `checkpoint.tmp/` and then swapped in
//! by renames; the one before stays as `checkpoint.prev/`, and is used when the newest is
//! unreadable.

use crate::EstimError;
use burn::module::Module;
use burn::optim::{ModuleOptimizer, SgdConfig};
use modnas_construct::NetBox;
use modnas_optim::ArchAdam;
use modnas_param_space::TensorParam;
use std::path::{Path, PathBuf};

const CURRENT: &str = "checkpoint";
const PREVIOUS: &str = "checkpoint.prev";
const STAGING: &str = "checkpoint.tmp";
const STATE: &str = "state.toml";

/// The checkpoint directories a run may hold, newest first.
pub const CHECKPOINT_DIRS: [&str; 3] = [CURRENT, PREVIOUS, STAGING];

fn fail(path: &Path, reason: impl std::fmt::Display) -> EstimError {
    EstimError::Checkpoint(format!("{}: {reason}", path.display()))
}

/// A checkpoint that cannot be loaded: the run directory's fault, not the machine's.
pub(crate) fn damaged(path: &Path, reason: impl std::fmt::Display) -> EstimError {
    EstimError::BadCheckpoint {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// What a checkpoint holds, borrowed from the running search.
pub(crate) struct Snapshot<'a, M = NetBox> {
    pub model: &'a M,
    pub weights: &'a ModuleOptimizer,
    pub alphas: &'a [TensorParam],
    pub adam: Option<&'a ArchAdam>,
}

/// Writes a checkpoint of `state` after `epochs_done` epochs into `run_dir`.
pub(crate) fn save<M: Module>(
    run_dir: &Path,
    epochs_done: usize,
    state: &Snapshot<'_, M>,
) -> Result<(), EstimError> {
    save_with(run_dir, epochs_done, state, &[])
}

/// [`save`], with `extra` files (name, text) in the checkpoint.
pub(crate) fn save_with<M: Module>(
    run_dir: &Path,
    epochs_done: usize,
    state: &Snapshot<'_, M>,
    extra: &[(&str, &str)],
) -> Result<(), EstimError> {
    let staging = run_dir.join(STAGING);
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| fail(&staging, e))?;
    for (name, text) in extra {
        std::fs::write(staging.join(name), text).map_err(|e| fail(&staging, e))?;
    }
    // Burn keeps a batch norm's last running-statistics update pending until the next one
    // (or a switch to inference); a record taken now would lack it. `valid` applies it to the
    // shared state, as the next update would have, so the saved statistics are exact.
    drop(state.model.valid());
    state
        .model
        .clone()
        .save_file(staging.join("model.bpk"))
        .map_err(|e| fail(&staging, format!("model.bpk: {e}")))?;
    state
        .weights
        .save(staging.join("weights.bpk"))
        .map_err(|e| fail(&staging, format!("weights.bpk: {e}")))?;
    if let Some(adam) = state.adam {
        adam.save_state(state.alphas, &staging)
            .map_err(|e| fail(&staging, e))?;
    }
    let text = format!("epochs_done = {epochs_done}\n");
    std::fs::write(staging.join(STATE), text).map_err(|e| fail(&staging, e))?;
    let (current, previous) = (run_dir.join(CURRENT), run_dir.join(PREVIOUS));
    let _ = std::fs::remove_dir_all(&previous);
    if current.exists() {
        std::fs::rename(&current, &previous).map_err(|e| fail(&current, e))?;
    }
    std::fs::rename(&staging, &current).map_err(|e| fail(&staging, e))
}

fn epochs_done(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join(STATE)).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    usize::try_from(table.get("epochs_done")?.as_integer()?).ok()
}

/// Tells `observer`'s callbacks that a supernet's checkpoint after `epochs` epochs is in
/// `run_dir`.
pub(crate) fn announce(
    observer: &dyn super::TrialObserver,
    epochs: usize,
    run_dir: &Path,
) -> Result<(), EstimError> {
    match observer.event_sink() {
        Some(sink) => sink(&crate::RunEvent::CheckpointWritten {
            trial: None,
            epoch: epochs,
            dir: run_dir.join(CURRENT),
        }),
        None => Ok(()),
    }
}

/// The newest readable checkpoint in `run_dir`: its directory and finished epochs.
pub(crate) fn find(run_dir: &Path) -> Option<(PathBuf, usize)> {
    [CURRENT, PREVIOUS]
        .into_iter()
        .map(|name| run_dir.join(name))
        .find_map(|dir| epochs_done(&dir).map(|n| (dir, n)))
}

/// Loads the checkpoint in `dir` into a search's state, built fresh with the same
/// architecture: `model` and `weights` are replaced, `alphas` (and `adam`'s state, when the
/// search has α) take the saved values and ids.
pub(crate) fn restore<M: Module>(
    dir: &Path,
    model: &mut M,
    weights: &mut ModuleOptimizer,
    alphas: &[TensorParam],
    adam: Option<&mut ArchAdam>,
) -> Result<(), EstimError> {
    // Cloning a module shares its tensors; the clone is replaced by the loaded one.
    *model = model
        .clone()
        .try_load_file(dir.join("model.bpk"))
        .map_err(|e| damaged(dir, format!("model.bpk: {e}")))?;
    *weights = std::mem::replace(weights, SgdConfig::new().init())
        .load(dir.join("weights.bpk"))
        .map_err(|e| damaged(dir, format!("weights.bpk: {e}")))?;
    if let Some(adam) = adam {
        adam.load_state(alphas, dir).map_err(|e| damaged(dir, e))?;
    }
    Ok(())
}
