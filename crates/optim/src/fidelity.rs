//! The fidelity of a trial: how much training a multi-fidelity optimizer (`HyperbandOptim`,
//! `BOHBOptim`) gives one proposal — a number of epochs, or a share of the training data
//! trained for the estimator's full epochs.
//!
//! ```
//! use modnas_optim::Fidelity;
//! assert_eq!(Fidelity::Epochs(3).to_string(), "3 epochs");
//! assert_eq!(Fidelity::DataFraction(0.25).to_string(), "25% of the training data");
//! assert_eq!(Fidelity::DataFraction(1.0 / 9.0).to_string(), "11.1% of the training data");
//! assert_eq!(Fidelity::DataFraction(0.25).key(), "data=0.25");
//! ```

use serde::Deserialize;
use std::fmt;

/// What an optimizer's fidelities measure (`fidelity` of its arguments).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FidelityKind {
    /// Training epochs: a low-fidelity trial stops after fewer epochs.
    #[default]
    Epochs,
    /// A share of the training data: a low-fidelity trial trains every epoch on part of it.
    DataFraction,
}

impl fmt::Display for FidelityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FidelityKind::Epochs => "epochs",
            FidelityKind::DataFraction => "data_fraction",
        })
    }
}

/// The fidelity an optimizer chose for one proposal (below a full training).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fidelity {
    /// Train this many epochs.
    Epochs(usize),
    /// Train every epoch on this share (within 0 and 1) of the training data.
    DataFraction(f64),
}

impl Fidelity {
    /// Its kind.
    pub fn kind(&self) -> FidelityKind {
        match self {
            Fidelity::Epochs(_) => FidelityKind::Epochs,
            Fidelity::DataFraction(_) => FidelityKind::DataFraction,
        }
    }

    /// The epochs, for an epochs fidelity.
    pub fn epochs(&self) -> Option<usize> {
        match self {
            Fidelity::Epochs(e) => Some(*e),
            Fidelity::DataFraction(_) => None,
        }
    }

    /// The share of the data, for a data fraction.
    pub fn data_fraction(&self) -> Option<f64> {
        match self {
            Fidelity::DataFraction(f) => Some(*f),
            Fidelity::Epochs(_) => None,
        }
    }

    /// How many of `n` samples (or batches) a trial at this fidelity trains on:
    /// `ceil(fraction × n)`, at least 1 (none of none), for a data fraction; all `n` for
    /// epochs.
    ///
    /// ```
    /// use modnas_optim::Fidelity;
    /// assert_eq!(Fidelity::DataFraction(0.25).share_of(10), 3);
    /// assert_eq!(Fidelity::DataFraction(0.01).share_of(10), 1);
    /// assert_eq!(Fidelity::Epochs(2).share_of(10), 10);
    /// ```
    pub fn share_of(&self, n: usize) -> usize {
        match self {
            Fidelity::DataFraction(f) => ((n as f64 * f).ceil() as usize).clamp(1.min(n), n),
            Fidelity::Epochs(_) => n,
        }
    }

    /// A short key that tells fidelities apart (`epochs=3`, `data=0.25`): a proposal at
    /// another fidelity is another evaluation.
    pub fn key(&self) -> String {
        match self {
            Fidelity::Epochs(e) => format!("epochs={e}"),
            Fidelity::DataFraction(f) => format!("data={f}"),
        }
    }
}

impl fmt::Display for Fidelity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fidelity::Epochs(e) => write!(f, "{e} epochs"),
            Fidelity::DataFraction(d) => {
                let percent = format!("{:.1}", d * 100.0);
                let percent = percent.strip_suffix(".0").unwrap_or(&percent);
                write!(f, "{percent}% of the training data")
            }
        }
    }
}
