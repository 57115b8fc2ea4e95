//! [`RunningStats`]: the mean and spread of the scores seen so far (Welford's update), so that
//! optimizers that compare scores (annealing's acceptance, REINFORCE's advantage) behave the
//! same whether a metric is a fraction, a percentage or a loss.
//!
//! ```
//! use modnas_optim::RunningStats;
//! let mut s = RunningStats::default();
//! for x in [90.0, 92.0, 94.0] {
//!     s.push(x);
//! }
//! assert_eq!(s.mean(), 92.0);
//! assert!((s.std() - 2.0).abs() < 1e-12);
//! assert!((s.standardize(94.0) - 1.0).abs() < 1e-12);
//! ```

/// Count, mean and sum of squared deviations of a stream of finite values.
#[derive(Clone, Debug, Default)]
pub struct RunningStats {
    n: u64,
    mean: f64,
    m2: f64,
}

impl RunningStats {
    /// Adds `x`; non-finite values are ignored.
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Their mean (0 before the first).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Their sample standard deviation (0 before the second).
    pub fn std(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }

    /// `x` in units of the standard deviation, from the mean; 0 while the spread is unknown
    /// or zero.
    pub fn standardize(&self, x: f64) -> f64 {
        self.scaled(x - self.mean)
    }

    /// A difference of scores in units of the standard deviation; 0 while it is unknown or
    /// zero.
    pub fn scaled(&self, delta: f64) -> f64 {
        let sd = self.std();
        if sd > 0.0 {
            delta / sd
        } else {
            0.0
        }
    }
}
