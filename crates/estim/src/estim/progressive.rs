//! `ProgressiveShrinkingEstim` (OFA, Cai et al. 2020; paper G.4): train the largest network
//! of an elastic supernet, then stages that each release one more, smaller choice of the
//! elastic parameters, phase by phase (by default depth, then expansion ratio), training a
//! sampled sub-network on every batch. Channels are reordered by importance (L1) when a
//! stage starts, so the channels a narrower sub-network keeps are the important ones. Then
//! any discrete optimizer searches the trained supernet: each proposal inherits the weights
//! and is evaluated after batch-norm recalibration. The best sub-network is exported as the
//! run's model (`model.bpk`, `model.toml`; `modnas::load_trained` loads it standalone). The
//! supernet is checkpointed after every epoch, so an interrupted run resumes.

use super::one_shot::OneShot;
use super::trained_model::save_trained;
use super::{search_loop, Estim, OneShotArgs, SearchArgs, SearchContext, SearchOutcome};
use crate::{register_estim, EstimError, PathSchedule, TaskContext};
use modnas_construct::ChannelOrder;
use modnas_optim::{DiscreteSpace, Domain};
use modnas_param_space::{ArchDesc, ParamValue};
use rand::Rng;
use serde::Deserialize;

/// Arguments of [`ProgressiveShrinkingEstim`], besides the [`SearchArgs`] and the
/// [`OneShotArgs`] (whose `epochs` trains the largest network).
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShrinkArgs {
    /// Epochs of every shrinking stage.
    #[config(default = 2)]
    pub stage_epochs: usize,
    /// The phases, in order: each names the parameters whose names end with it (`"depth"`
    /// matches `s1.depth`). Parameters of no phase keep their first (largest) value until the
    /// search.
    #[config(default = vec!["depth".into(), "ratio".into()])]
    pub phases: Vec<String>,
}

/// One training stage: its epochs and the values each parameter may take.
#[derive(Clone, Debug, PartialEq)]
pub struct ShrinkStage {
    /// Supernet epochs the stage trains.
    pub epochs: usize,
    /// Allowed values per parameter, in the space's order.
    pub allowed: Vec<(String, Vec<ParamValue>)>,
}

impl ShrinkStage {
    /// A sub-network drawn uniformly from the allowed values.
    pub fn sample(&self, rng: &mut impl Rng) -> ArchDesc {
        self.allowed
            .iter()
            .map(|(n, vals)| (n.clone(), vals[rng.random_range(0..vals.len())].clone()))
            .collect()
    }
}

/// The stages for `space`: the largest network for `epochs`, then for each phase one stage
/// per further choice of its parameters (choices are ordered largest first), each
/// `stage_epochs` long. Numeric parameters are left out (they are not elastic choices).
pub fn shrink_schedule(
    space: &DiscreteSpace,
    phases: &[String],
    epochs: usize,
    stage_epochs: usize,
) -> Vec<ShrinkStage> {
    let choices: Vec<(String, Vec<ParamValue>)> = space
        .params()
        .iter()
        .filter_map(|(n, d)| match d {
            Domain::Categorical(c) => Some((n.clone(), c.choices().to_vec())),
            Domain::Numeric(_) => None,
        })
        .collect();
    let phase_of = |name: &str| phases.iter().position(|p| name.ends_with(p.as_str()));
    // Stage allowances: (phase, how many choices) released so far.
    let mut released: Vec<usize> = vec![1; phases.len()];
    let allowed = |released: &[usize]| -> Vec<(String, Vec<ParamValue>)> {
        choices
            .iter()
            .map(|(n, c)| {
                let k = phase_of(n).map_or(1, |p| released[p]);
                (n.clone(), c[..k.min(c.len())].to_vec())
            })
            .collect()
    };
    let mut stages = vec![ShrinkStage {
        epochs,
        allowed: allowed(&released),
    }];
    for p in 0..phases.len() {
        let most = choices
            .iter()
            .filter(|(n, _)| phase_of(n) == Some(p))
            .map(|(_, c)| c.len())
            .max()
            .unwrap_or(1);
        for k in 2..=most {
            released[p] = k;
            stages.push(ShrinkStage {
                epochs: stage_epochs,
                allowed: allowed(&released),
            });
        }
    }
    stages.retain(|s| s.epochs > 0);
    stages
}

/// The progressive-shrinking estimator.
pub struct ProgressiveShrinkingEstim {
    args: OneShotArgs,
    shrink: ShrinkArgs,
    search: SearchArgs,
}

impl Estim for ProgressiveShrinkingEstim {
    fn resumable(&self) -> bool {
        true
    }

    /// Progressive shrinking over a `[task]`: the task's model (its elastic layers or slots)
    /// trained stage by stage with the task's batches and optimizer, channels reordered by
    /// `Task::reorder_channels` as each later stage starts, then searched with inherited
    /// weights. The best sub-network is not exported (a task's model has no standalone form).
    fn check_task(&self) -> Result<(), EstimError> {
        self.args.check_task_args("ProgressiveShrinkingEstim")
    }
}

impl crate::TrialEstim for ProgressiveShrinkingEstim {
    fn run(&mut self, ctx: &mut SearchContext<'_>) -> Result<SearchOutcome, EstimError> {
        let mut net = OneShot::new(
            ctx,
            "ProgressiveShrinkingEstim",
            self.args.train_args()?,
            self.args.epochs,
            self.args.recal_batches,
        )?;
        let stages = shrink_schedule(
            net.space(),
            &self.shrink.phases,
            self.args.epochs,
            self.shrink.stage_epochs,
        );
        let total: usize = stages.iter().map(|s| s.epochs).sum();
        net.set_total_epochs(total)?;
        let mut done = net.resume(ctx)?;
        let mut start = 0;
        for (i, stage) in stages.iter().enumerate() {
            let end = start + stage.epochs;
            if done < end {
                // A stage reorders once, when it starts (a resumed one already has).
                if i > 0 && done == start {
                    net.reorder(ChannelOrder::L1);
                    tracing::info!(stage = i, "channels reordered by L1 importance");
                }
                while done < end {
                    let loss = net.train_epoch_with(ctx, &mut |rng, _| stage.sample(rng))?;
                    net.checkpoint(ctx)?;
                    tracing::info!(stage = i, epoch = done, loss, "progressive shrinking epoch");
                    done += 1;
                }
            }
            start = end;
        }
        let outcome = search_loop(ctx, &self.search, |ctx, arch, index| {
            net.evaluate(ctx, arch, index)
        })?;
        // The best sub-network becomes the run's model, standalone.
        if let (Some(dir), Some(best)) = (ctx.run_dir, &outcome.best) {
            let subnet = net.export(ctx, &best.arch, best.index)?;
            let (train, valid) = (&ctx.data.train, &ctx.data.valid);
            let classes = train.classes.max(valid.classes);
            save_trained(dir, &subnet, &best.arch, (train.shape, classes), true)?;
            tracing::info!(dir = %dir.display(), "best sub-network exported");
        }
        Ok(outcome)
    }

    fn run_task(&mut self, ctx: &mut TaskContext<'_>) -> Result<SearchOutcome, EstimError> {
        let space = DiscreteSpace::from_space(&ctx.task.space(ctx.run)?);
        let stages = shrink_schedule(
            &space,
            &self.shrink.phases,
            self.args.epochs,
            self.shrink.stage_epochs,
        );
        self.args.run_task(
            "ProgressiveShrinkingEstim",
            ctx,
            &self.search,
            PathSchedule::Shrink(stages),
        )
    }
}

register_estim!(
    /// OFA progressive shrinking: the largest elastic net, then stages releasing smaller depths and
    /// widths, then a search with inherited weights; 100 trials by default
    "ProgressiveShrinkingEstim", |args: crate::WithSearch<modnas_core::Merged<OneShotArgs, ShrinkArgs>>| {
        let search = args.shared.search_args(100);
        let (shrink, args) = (args.own.shared, args.own.own);
        if shrink.phases.is_empty() {
            return Err(EstimError::InvalidArgs {
                component: "ProgressiveShrinkingEstim".into(),
                reason: "`phases` must name at least one parameter suffix".into(),
            });
        }
        Ok(crate::Estimator::Trials(Box::new(ProgressiveShrinkingEstim {
            args,
            shrink,
            search,
        })))
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::{Categorical, ParamSpace};

    #[test]
    fn stages_release_one_choice_at_a_time_phase_by_phase() {
        let mut s = ParamSpace::new();
        s.insert("s1.depth", Categorical::new([3i64, 2, 1]).unwrap())
            .unwrap();
        s.insert("s1.b0.ratio", Categorical::new([6i64, 3]).unwrap())
            .unwrap();
        s.insert("other", Categorical::new(["a", "b"]).unwrap())
            .unwrap();
        let space = DiscreteSpace::from_space(&s);
        let phases = ["depth".to_string(), "ratio".to_string()];
        let stages = shrink_schedule(&space, &phases, 4, 1);
        let sizes: Vec<Vec<usize>> = stages
            .iter()
            .map(|st| st.allowed.iter().map(|(_, v)| v.len()).collect())
            .collect();
        // Largest; depth {3,2}; depth {3,2,1}; then ratio {6,3}. `other` stays at "a".
        assert_eq!(sizes, [[1, 1, 1], [2, 1, 1], [3, 1, 1], [3, 2, 1]]);
        assert_eq!(
            stages.iter().map(|s| s.epochs).collect::<Vec<_>>(),
            [4, 1, 1, 1]
        );
        assert_eq!(stages[3].allowed[2].1, [ParamValue::from("a")]);
    }
}
