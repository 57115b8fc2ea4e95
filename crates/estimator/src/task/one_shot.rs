//! Single-path one-shot search (SPOS) of a task: the task's model as a supernet of
//! `IndexMixedOp`s trained one uniformly drawn path per batch with the task's optimizer, then
//! the discrete search over its sub-networks, each scored with the inherited weights.

use super::base::Task;
use super::erased::{with_params, OneShotRun, TaskRun};
use crate::estim::{search_with, SearchOutcome};
use crate::{recalibrate_bn, EstimError};
use burn::module::Module;
use burn::optim::GradientsParams;
use modnas_construct::{construct, map_in_place, MixedKind};
use modnas_optim::DiscreteSpace;
use modnas_param_space::ArchDesc;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// See the [module](self) docs.
pub(super) fn one_shot<T: Task>(
    task: &T,
    run: TaskRun<'_>,
    shot: OneShotRun<'_>,
) -> Result<SearchOutcome, EstimError> {
    let device = run.device;
    device.seed(shot.seed);
    let mut c = construct(task.model(device)?, run.sets, device)?;
    if c.mixed.is_empty() || c.mixed.iter().any(|h| h.kind() != MixedKind::Index) {
        return Err(EstimError::InvalidArgs {
            component: "SPOSEstim".into(),
            reason: "needs a supernet of single-path operators: set \
                     `construct.args.mixed_op = \"IndexMixedOp\"`"
                .into(),
        });
    }
    let space = DiscreteSpace::from_space(&c.space);
    let train = task.data(device, shot.seed)?.train;
    let (mut weights, lr) = task.optimizer();
    for epoch in 0..shot.epochs {
        // Each epoch draws its paths from its own seed.
        let mut rng = StdRng::seed_from_u64(shot.seed.wrapping_add(1 + epoch as u64));
        for batch in train.epoch() {
            c.apply(&space.sample(&mut rng))?;
            let loss = task.loss(&c.model, &batch?)?;
            let grads = GradientsParams::from_grads(loss.backward(), &c.model);
            map_in_place(&mut c.model, |m| weights.step(lr, m, grads));
        }
        tracing::info!(epoch, "one-shot supernet epoch of the task");
    }
    let recal = match shot.recalibrate {
        true => train.epoch().next().transpose()?,
        false => None,
    };
    let valid = task.data(&device.clone().inner(), shot.seed)?.valid;
    let evaluate = |arch: &ArchDesc, _index: usize| {
        c.apply(arch)?;
        if let Some(batch) = &recal {
            // The statistics of this path's batch norms, recomputed on one training batch.
            map_in_place(&mut c.model, |m| {
                recalibrate_bn(m, |m: &T::Model| {
                    let _ = task.loss(m, batch);
                })
            });
        }
        let model = c.model.valid();
        with_params(task.evaluate(&model, valid.as_ref()), &model)
    };
    search_with(
        shot.optim,
        shot.observer,
        shot.replay,
        shot.search,
        evaluate,
    )
}
