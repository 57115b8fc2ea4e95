//! The cosine learning-rate schedule of the trainer and the supernet estimators: Burn's
//! `CosineAnnealingLrScheduler`, annealed over `total - 1` steps so that the last of `total`
//! steps runs at `lr_min` (the DARTS schedule).

use crate::EstimError;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;

/// A learning rate per step: cosine-annealed from `lr` to `lr_min`, or constant.
pub(crate) enum LrSchedule {
    /// Burn's cosine schedule, positioned at the next step.
    Cosine(ModuleLrScheduler),
    /// The same rate at every step.
    Constant(f64),
}

impl LrSchedule {
    /// The cosine schedule of `total` steps from `lr` to `lr_min`, positioned at step
    /// `start` (a resumed supernet continues where its checkpoint left the schedule).
    /// `component` is named in the error Burn's checks raise (`lr` above 1, say).
    pub(crate) fn cosine(
        component: &str,
        (lr, lr_min): (f64, f64),
        total: usize,
        start: usize,
    ) -> Result<Self, EstimError> {
        let mut schedule =
            CosineAnnealingLrSchedulerConfig::new(lr, total.saturating_sub(1).max(1))
                .with_min_lr(lr_min)
                .init()
                .map_err(|reason| EstimError::InvalidArgs {
                    component: component.to_string(),
                    reason: format!(
                        "learning-rate schedule (`lr` = {lr}, `lr_min` = {lr_min}): {reason}"
                    ),
                })?;
        for _ in 0..start {
            schedule.step();
        }
        Ok(LrSchedule::Cosine(schedule))
    }

    /// The rate of the next step.
    pub(crate) fn next_lr(&mut self) -> f64 {
        match self {
            LrSchedule::Cosine(s) => s.step().base(),
            LrSchedule::Constant(lr) => *lr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook formula the schedule follows.
    fn cosine(lr: f64, lr_min: f64, step: usize, total: usize) -> f64 {
        let t = step as f64 / total.saturating_sub(1).max(1) as f64;
        lr_min + 0.5 * (lr - lr_min) * (1.0 + (std::f64::consts::PI * t).cos())
    }

    #[test]
    fn anneals_from_lr_to_lr_min_over_every_step() {
        let mut s = LrSchedule::cosine("X", (0.025, 0.001), 7, 0).unwrap();
        let rates: Vec<f64> = (0..7).map(|_| s.next_lr()).collect();
        for (i, r) in rates.iter().enumerate() {
            assert_eq!(*r, cosine(0.025, 0.001, i, 7), "step {i}");
        }
        assert_eq!((rates[0], rates[6]), (0.025, 0.001));
    }

    #[test]
    fn starts_where_asked() {
        let mut s = LrSchedule::cosine("X", (0.1, 0.0), 10, 4).unwrap();
        assert_eq!(s.next_lr(), cosine(0.1, 0.0, 4, 10));
        let mut one = LrSchedule::cosine("X", (0.1, 0.0), 1, 0).unwrap();
        assert_eq!(one.next_lr(), 0.1, "a single step runs at `lr`");
    }

    #[test]
    fn burns_checks_name_the_component() {
        let err = LrSchedule::cosine("MyEstim", (1.5, 0.0), 10, 0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("MyEstim") && err.contains("1.5"), "{err}");
    }
}
