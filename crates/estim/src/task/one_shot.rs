//! One-shot search of a task — SPOS, CARS and progressive shrinking: the task's model trained
//! as a supernet with the task's optimizer, one sampled path per batch, then the discrete
//! search over its sub-networks, each scored with the inherited weights. What differs is
//! which paths train ([`PathSchedule`]): drawn uniformly (SPOS), drawn uniformly and then,
//! between search rounds, the last round's architectures (CARS), or stage by stage from
//! elastic choices released largest first (progressive shrinking).

use super::erased::{OneShotRun, TaskRun};
use super::task::Task;
use crate::epoch_loss::EpochLoss;
use crate::estim::{checkpoint, search_with, Batches, CarsRounds, SearchOutcome, ShrinkStage};
use crate::{recalibrate_bn, EstimError};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use modnas_construct::{
    construct, elastic_handles, map_in_place, ChannelOrder, Constructed, MixedKind,
};
use modnas_optim::DiscreteSpace;
use modnas_param_space::ArchDesc;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;

/// Which paths the supernet trains on, epoch by epoch.
#[derive(Clone, Debug)]
pub enum PathSchedule {
    /// SPOS: `epochs` of paths drawn uniformly.
    Uniform,
    /// CARS: the uniform warm-up, then before every `round_trials`-th trial `round_epochs`
    /// on the previous round's architectures.
    Rounds {
        /// Trials per search round.
        round_trials: usize,
        /// Supernet epochs between rounds.
        round_epochs: usize,
    },
    /// Progressive shrinking: each stage's epochs draw from its allowed values; the task's
    /// channels are reordered by importance when a stage after the first starts.
    Shrink(Vec<ShrinkStage>),
}

/// The supernet under training.
struct PathTrainer<'t, T: Task> {
    task: &'t T,
    net: Constructed<T::Model>,
    train: Box<dyn Batches<T::Batch>>,
    weights: ModuleOptimizer,
    lr: f64,
    seed: u64,
    epochs_done: usize,
    /// Where the supernet is checkpointed after every epoch.
    run_dir: Option<&'t Path>,
}

impl<T: Task> PathTrainer<'_, T> {
    /// Loads the newest checkpoint of the run directory, if any; the epochs it holds are
    /// done. `most`: the epochs the recorded trials allow (more means a damaged run).
    fn resume(&mut self, most: usize) -> Result<(), EstimError> {
        let Some((dir, done)) = self.run_dir.and_then(checkpoint::find) else {
            return Ok(());
        };
        if done > most {
            return Err(checkpoint::damaged(
                &dir,
                format!("{done} supernet epochs done, but the recorded trials need at most {most}"),
            ));
        }
        checkpoint::restore(&dir, &mut self.net.model, &mut self.weights, &[], None)?;
        tracing::info!(epochs_done = done, checkpoint = %dir.display(), "resuming the task's supernet");
        self.epochs_done = done;
        Ok(())
    }

    /// Writes the checkpoint of the epochs done so far.
    fn checkpoint(&self) -> Result<(), EstimError> {
        let Some(dir) = self.run_dir else {
            return Ok(());
        };
        let state = checkpoint::Snapshot {
            model: &self.net.model,
            weights: &self.weights,
            alphas: &[],
            adam: None,
        };
        checkpoint::save(dir, self.epochs_done, &state)
    }

    /// One epoch, every batch through the path `sample` draws (given the batch's number).
    fn epoch(
        &mut self,
        mut sample: impl FnMut(&mut StdRng, usize) -> ArchDesc,
    ) -> Result<(), EstimError> {
        // Each epoch draws its paths (and its device randomness) from its own seed, so a
        // resumed run repeats the uninterrupted one.
        let epoch_seed = self.seed.wrapping_add(1 + self.epochs_done as u64);
        if let Some(device) = self.net.model.devices().first() {
            device.seed(epoch_seed);
        }
        let mut rng = StdRng::seed_from_u64(epoch_seed);
        let mut epoch_loss = EpochLoss::default();
        for (n, batch) in self.train.epoch().enumerate() {
            self.net.apply(&sample(&mut rng, n))?;
            let loss = self.task.loss(&self.net.model, &batch?)?;
            let grads = GradientsParams::from_grads(loss.backward(), &self.net.model);
            let (weights, lr) = (&mut self.weights, self.lr);
            map_in_place(&mut self.net.model, |m| weights.step(lr, m, grads));
            epoch_loss.add(loss);
        }
        let loss = epoch_loss.mean().unwrap_or(f64::NAN);
        if !loss.is_finite() {
            return Err(EstimError::TrialFailed(format!(
                "supernet epoch {}: the training loss is {loss}",
                self.epochs_done
            )));
        }
        tracing::info!(
            epoch = self.epochs_done,
            loss,
            "one-shot supernet epoch of the task"
        );
        self.epochs_done += 1;
        self.checkpoint()
    }
}

/// See the [module](self) docs.
pub(super) fn one_shot<T: Task>(
    task: &T,
    run: TaskRun<'_>,
    shot: OneShotRun<'_>,
) -> Result<SearchOutcome, EstimError> {
    let device = run.device;
    device.seed(shot.seed);
    let c = construct(task.model(device)?, run.sets, device)?;
    check_supernet(&c, &shot)?;
    let space = DiscreteSpace::from_space(&c.space);
    let (weights, lr) = task.optimizer();
    let mut net = PathTrainer {
        task,
        net: c,
        train: task.data(device, shot.seed)?.train,
        weights,
        lr,
        seed: shot.seed,
        epochs_done: 0,
        run_dir: shot.run_dir,
    };
    net.resume(epochs_allowed(&shot))?;
    match &shot.schedule {
        PathSchedule::Uniform | PathSchedule::Rounds { .. } => {
            while net.epochs_done < shot.epochs {
                net.epoch(|rng, _| space.sample(rng))?;
            }
        }
        PathSchedule::Shrink(stages) => {
            let mut start = 0;
            for (i, stage) in stages.iter().enumerate() {
                let end = start + stage.epochs;
                // A stage reorders once, when it starts (a resumed one already has).
                if i > 0 && net.epochs_done == start {
                    task.reorder_channels(&mut net.net.model, ChannelOrder::L1);
                }
                if net.epochs_done < end {
                    let allowed: Vec<String> = (stage.allowed.iter())
                        .map(|(name, values)| format!("{name}: {}", values.len()))
                        .collect();
                    tracing::info!(stage = i, allowed = %allowed.join(", "), "progressive shrinking stage");
                }
                while net.epochs_done < end {
                    net.epoch(|rng, _| stage.sample(rng))?;
                }
                start = end;
            }
        }
    }
    let recal = match shot.recalibrate {
        true => net.train.epoch().next().transpose()?,
        false => None,
    };
    let valid = task.data(&device.clone().inner(), shot.seed)?.valid;
    let mut history: Vec<ArchDesc> = shot.replay.iter().map(|t| t.arch.clone()).collect();
    let cars = cars_rounds(&shot);
    let evaluate = |arch: &ArchDesc, index: usize| {
        if let Some(rounds) = cars {
            while net.epochs_done < rounds.due(index) {
                let pool = history[rounds.pool(net.epochs_done, index)].to_vec();
                net.epoch(|rng, n| match pool.is_empty() {
                    true => space.sample(rng),
                    false => pool[n % pool.len()].clone(),
                })?;
            }
            history.push(arch.clone());
        }
        net.net.apply(arch)?;
        if let Some(batch) = &recal {
            // The statistics of this path's batch norms, recomputed on one training batch.
            map_in_place(&mut net.net.model, |m| {
                recalibrate_bn(m, |m: &T::Model| {
                    let _ = task.loss(m, batch);
                })
            });
        }
        // No `params`: the model's count would be the whole supernet's, not this path's.
        task.evaluate(&net.net.model.valid(), valid.as_ref())
    };
    search_with(
        shot.optim,
        shot.observer,
        shot.replay,
        shot.search,
        evaluate,
    )
}

/// The most supernet epochs a run with `shot.replay` recorded trials can have done.
fn epochs_allowed(shot: &OneShotRun<'_>) -> usize {
    match (&shot.schedule, cars_rounds(shot)) {
        (_, Some(rounds)) => rounds.due(shot.replay.len()),
        (PathSchedule::Shrink(stages), _) => stages.iter().map(|s| s.epochs).sum(),
        _ => shot.epochs,
    }
}

/// CARS's schedule, with `shot.epochs` as its warm-up.
fn cars_rounds(shot: &OneShotRun<'_>) -> Option<CarsRounds> {
    match shot.schedule {
        PathSchedule::Rounds {
            round_trials,
            round_epochs,
        } => Some(CarsRounds {
            warmup: shot.epochs,
            round_trials,
            round_epochs,
        }),
        _ => None,
    }
}

/// A one-shot supernet shares its weights between paths: its slots hold single-path
/// operators, or its model elastic layers (whose choices only mask shared weights).
fn check_supernet<M: Module>(c: &Constructed<M>, shot: &OneShotRun<'_>) -> Result<(), EstimError> {
    let elastic = !elastic_handles(&c.model).is_empty();
    let shared =
        (!c.mixed.is_empty() || elastic) && c.mixed.iter().all(|h| h.kind() == MixedKind::Index);
    if shared {
        return Ok(());
    }
    Err(EstimError::InvalidArgs {
        component: shot.component.into(),
        reason: "needs a supernet of single-path operators (set \
                 `construct.args.mixed_op = \"IndexMixedOp\"`) or of elastic layers"
            .into(),
    })
}
