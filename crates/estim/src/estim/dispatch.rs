//! Distributed search (paper §3.5): the estimator hands architecture evaluations to worker
//! processes through a [`TrialDispatch`] and collects their results, keeping several trials in
//! flight while its optimizer learns from each result as it arrives.

use super::Trial;
use crate::{EstimError, EventSink};
use modnas_param_space::ArchDesc;

/// Where a coordinating estimator sends trials: a queue that workers drain (the facade
/// implements it on a trial database).
pub trait TrialDispatch {
    /// How many trials to keep queued or running at once.
    fn capacity(&self) -> usize;

    /// Queues `arch` as trial `index`. A restarted coordinator queues its trials again; the
    /// dispatch keeps the first copy (and its result, if any).
    fn submit(&mut self, index: usize, arch: &ArchDesc) -> Result<(), EstimError>;

    /// Blocks until a queued trial has a result that was not returned before, and returns it;
    /// a trial the workers gave up on comes back with its reasons as `error` and a NaN
    /// objective. While it waits, the epochs the trials in flight report go to `sink` (the
    /// run's subscribers), when there is one.
    fn next_result(&mut self, sink: Option<&EventSink>) -> Result<Trial, EstimError>;

    /// Records that trial `index` was passed to the optimizer as its `seq`-th result, so a
    /// restarted coordinator replays results in the same order.
    fn stepped(&mut self, index: usize, seq: usize) -> Result<(), EstimError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSplit;
    use crate::estim::{
        search_loop, Budget, Mode, NetBuilder, Objective, SearchArgs, SearchContext, SearchOutcome,
        StopReason, TrialObserver,
    };
    use crate::ImageClsTrainer;
    use burn::tensor::Device;
    use modnas_core::MetricMap;
    use modnas_optim::build_optim;
    use modnas_param_space::{Categorical, ParamSpace};

    /// Returns the newest queued trial first (acc = its index), as fast workers might; never
    /// one in `done` (results an earlier coordinator already used, as a store would).
    #[derive(Default)]
    struct LastFirst {
        queued: Vec<(usize, ArchDesc)>,
        stepped: Vec<usize>,
        seqs: Vec<usize>,
        done: Vec<usize>,
    }

    impl TrialDispatch for LastFirst {
        fn capacity(&self) -> usize {
            3
        }
        fn submit(&mut self, index: usize, arch: &ArchDesc) -> Result<(), EstimError> {
            self.queued.push((index, arch.clone()));
            Ok(())
        }
        fn next_result(&mut self, _: Option<&EventSink>) -> Result<Trial, EstimError> {
            let (index, arch) = loop {
                let (i, a) = self.queued.pop().expect("a queued trial");
                if !self.done.contains(&i) {
                    break (i, a);
                }
            };
            let metrics: MetricMap = [("acc".to_string(), index as f64)].into_iter().collect();
            Ok(Trial {
                index,
                arch,
                metrics,
                seconds: 0.0,
                ..Trial::default()
            })
        }
        fn stepped(&mut self, index: usize, seq: usize) -> Result<(), EstimError> {
            self.stepped.push(index);
            self.seqs.push(seq);
            Ok(())
        }
    }

    #[derive(Default)]
    struct Recorded(Vec<Trial>);

    impl TrialObserver for Recorded {
        fn on_trial(&mut self, trial: &Trial) -> Result<(), EstimError> {
            self.0.push(trial.clone());
            Ok(())
        }
    }

    /// Runs a 6-point grid through `dispatch`, replaying `replay`; returns the outcome and the
    /// recorded trials.
    fn run(dispatch: &mut LastFirst, replay: &[Trial]) -> (SearchOutcome, Vec<Trial>) {
        let mut space = ParamSpace::new();
        space
            .insert(
                "x",
                Categorical::new(["0", "1", "2", "3", "4", "5"]).unwrap(),
            )
            .unwrap();
        let mut optim = build_optim("GridSearchOptim", &space, &toml::Table::new(), 0).unwrap();
        let builder: &NetBuilder = &|_| Err(EstimError::TrialFailed("no network here".into()));
        let trainer = ImageClsTrainer::from_args(&toml::Table::new()).unwrap();
        let data = DataSplit::empty();
        let device = Device::default().autodiff();
        let mut observer = Recorded::default();
        let mut ctx = SearchContext {
            space: &space,
            builder,
            optim: optim.as_mut(),
            data: &data,
            trainer: &trainer,
            metrics: &[],
            device: &device,
            seed: 0,
            observer: &mut observer,
            replay,
            run_dir: None,
            run_config: None,
            dispatch: Some(dispatch),
            pruning: None,
        };
        let search = SearchArgs {
            budget: Budget {
                trials: Some(10),
                ..Budget::default()
            },
            objective: Objective {
                key: "acc".into(),
                mode: Mode::Max,
            },
            revisit: Default::default(),
        };
        let outcome = search_loop(&mut ctx, &search, |_, _, _| {
            unreachable!("workers evaluate")
        });
        (outcome.unwrap(), observer.0)
    }

    #[test]
    fn every_trial_is_stepped_once_in_arrival_order() {
        let mut d = LastFirst::default();
        let (outcome, recorded) = run(&mut d, &[]);
        assert_eq!((outcome.trials, outcome.stop), (6, StopReason::Exhausted));
        assert_eq!(outcome.best.unwrap().index, 5);
        // Three in flight, newest first: 2, then 3 (queued after 2 came back), ...
        assert_eq!(d.stepped, vec![2, 3, 4, 5, 1, 0]);
        assert_eq!(d.seqs, (0..6).collect::<Vec<_>>());
        let order: Vec<usize> = recorded.iter().map(|t| t.index).collect();
        assert_eq!(order, d.stepped);
    }

    #[test]
    fn a_restarted_coordinator_replays_in_the_recorded_order() {
        let (_, recorded) = run(&mut LastFirst::default(), &[]);
        // Everything was recorded: nothing is evaluated again, nothing new is recorded.
        let mut again = LastFirst::default();
        let (outcome, new) = run(&mut again, &recorded);
        assert_eq!(outcome.trials, 6);
        assert!(new.is_empty() && again.stepped.is_empty());
        // Half recorded: the rest comes from the dispatch, and the trial already queued is
        // queued again (the dispatch keeps its first copy).
        let mut half = LastFirst {
            done: recorded[..3].iter().map(|t| t.index).collect(),
            ..LastFirst::default()
        };
        let (outcome, new) = run(&mut half, &recorded[..3]);
        assert_eq!(outcome.trials, 6);
        assert_eq!(
            half.seqs,
            vec![3, 4, 5],
            "new results continue the recorded order"
        );
        let mut all: Vec<usize> = recorded[..3].iter().chain(&new).map(|t| t.index).collect();
        all.sort_unstable();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
    }
}
