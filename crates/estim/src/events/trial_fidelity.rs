//! What an optimizer that chooses fidelities (`HyperbandOptim`, `BOHBOptim`) tells a trial
//! through its [`TrialReporter`]: the epochs to train, or the share of the data to train on;
//! and the trial's seed, from which training draws each epoch's randomness.

use super::reporter::TrialReporter;
use modnas_optim::Fidelity;

impl TrialReporter<'_> {
    /// The reporter of a trial trained at `fidelity`, which an optimizer such as
    /// `HyperbandOptim` chose (`None`: a full training). With [`Fidelity::Epochs`], its report
    /// of that epoch stops the training; with [`Fidelity::DataFraction`], the training code
    /// reads [`data_fraction`](Self::data_fraction) and trains on that share of its data. The
    /// trial is recorded at that fidelity.
    pub fn with_fidelity(mut self, fidelity: Option<Fidelity>) -> Self {
        self.fidelity = fidelity;
        self
    }

    /// Records the trial's seed, from which [`fit`](crate::fit) seeds the model's devices at
    /// each epoch ([`epoch_seed`](Self::epoch_seed)): dropout then draws the same masks
    /// whether or not the trial was resumed in between.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = Some(seed);
    }

    /// The trial's seed, when the estimator recorded it ([`set_seed`](Self::set_seed)).
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// How many of `epochs` the trial is to train: fewer when its optimizer chose fewer
    /// (`HyperbandOptim`'s rounds). Training code that runs its epochs in one call, such as
    /// burn-train's `Learner`, asks for them up front; code that reports each epoch is stopped
    /// at the chosen one anyway.
    ///
    /// ```
    /// use modnas_estim::TrialReporter;
    /// use modnas_optim::Fidelity;
    /// let r = TrialReporter::silent(0).with_fidelity(Some(Fidelity::Epochs(3)));
    /// assert_eq!((r.epochs_to_train(9), r.epochs_to_train(2)), (3, 2));
    /// assert_eq!(TrialReporter::silent(0).epochs_to_train(9), 9);
    /// ```
    pub fn epochs_to_train(&self, epochs: usize) -> usize {
        match self.fidelity.and_then(|f| f.epochs()) {
            Some(chosen) => chosen.min(epochs),
            None => epochs,
        }
    }

    /// The share of its training data the trial is to train on, when its optimizer chose a
    /// data fraction (`HyperbandOptim` with `fidelity = "data_fraction"`); `None`: all of it.
    /// Training code that takes its own data (a `FunctionalSearch` closure, a task's own
    /// `train`) keeps the first [`share_of`](Self::share_of) its samples or batches, so its
    /// data must not be ordered (by label, by time): shuffle it once beforehand.
    pub fn data_fraction(&self) -> Option<f64> {
        self.fidelity.and_then(|f| f.data_fraction())
    }

    /// How many of `n` samples (or batches) the trial trains on: `ceil(fraction × n)`, at
    /// least 1, under a [data fraction](Self::data_fraction); all `n` otherwise.
    ///
    /// ```
    /// use modnas_estim::TrialReporter;
    /// use modnas_optim::Fidelity;
    /// let r = TrialReporter::silent(0).with_fidelity(Some(Fidelity::DataFraction(0.25)));
    /// assert_eq!((r.share_of(10), r.share_of(1)), (3, 1));
    /// assert_eq!(TrialReporter::silent(0).share_of(10), 10);
    /// ```
    pub fn share_of(&self, n: usize) -> usize {
        self.fidelity.map_or(n, |f| f.share_of(n))
    }
}
