//! [`Pruning`]: a run's pruner with the learning curves it judges by, which the trials'
//! reporters feed (a resumed run gives it back the curves it had).

use crate::pruner::{CurveEnd, Curves, Pruner};

/// A run's pruner with the learning curves it judges by.
pub struct Pruning {
    pub(super) pruner: Box<dyn Pruner>,
    pub(super) curves: Curves,
}

impl Pruning {
    /// `pruner`, with no curves yet.
    pub fn new(pruner: Box<dyn Pruner>) -> Self {
        Self {
            pruner,
            curves: Curves::default(),
        }
    }

    /// The curves reported so far.
    pub fn curves(&self) -> &Curves {
        &self.curves
    }

    /// Records a trial that a resumed run replays: its curve (the score after each epoch,
    /// NaN where an epoch reported no objective) and how it ended, so later decisions are
    /// those the interrupted run would have made.
    pub fn replay(&mut self, trial: usize, curve: &[f64], end: CurveEnd) {
        self.restore(trial, curve);
        self.curves.end(trial, end);
    }

    /// Gives back the scores a trial reported before it was interrupted (no decisions: they
    /// were made then).
    pub(crate) fn restore(&mut self, trial: usize, curve: &[f64]) {
        for (e, score) in curve.iter().enumerate() {
            if !score.is_nan() {
                self.curves.report(trial, e + 1, *score);
            }
        }
    }

    /// Trial `trial` ended as `end`.
    pub fn end(&mut self, trial: usize, end: CurveEnd) {
        self.curves.end(trial, end);
    }
}
