//! The `[workers]` table of a config: how a distributed run hands trials to workers.

use crate::ModnasError;
use serde::{Deserialize, Serialize};

/// How a distributed run (one with `storage`) hands trials to workers.
#[modnas_core::nas_config]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkersConfig {
    /// The run's name in the storage. Default: the run directory's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Trials queued or running at once.
    #[config(default = 4)]
    pub in_flight: usize,
    /// Seconds without a heartbeat after which a worker's trial is re-queued.
    #[config(default = 30.0)]
    pub heartbeat_timeout: f64,
    /// Claims after which a trial that keeps being given up ends failed.
    #[config(default = 3)]
    pub max_attempts: u32,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkersConfig {
    /// Whether every key has its default (the table is then left out of `config.toml`).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the values: at least one trial in flight, a positive finite timeout, at least
    /// one attempt, a non-empty run name.
    pub fn check(&self) -> Result<(), ModnasError> {
        if self.in_flight == 0 {
            return Err(ModnasError::config(
                "workers.in_flight",
                "must be at least 1, got 0",
            ));
        }
        if !(self.heartbeat_timeout.is_finite() && self.heartbeat_timeout > 0.0) {
            return Err(ModnasError::config(
                "workers.heartbeat_timeout",
                format!(
                    "must be a positive number of seconds, got {}",
                    self.heartbeat_timeout
                ),
            ));
        }
        if self.max_attempts == 0 {
            return Err(ModnasError::config(
                "workers.max_attempts",
                "must be at least 1, got 0",
            ));
        }
        if self.run.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(ModnasError::config("workers.run", "must not be empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_key() {
        let ok = WorkersConfig::default();
        assert!(ok.check().is_ok() && ok.is_default());
        for (cfg, key) in [
            (
                WorkersConfig {
                    in_flight: 0,
                    ..ok.clone()
                },
                "workers.in_flight",
            ),
            (
                WorkersConfig {
                    heartbeat_timeout: f64::NAN,
                    ..ok.clone()
                },
                "workers.heartbeat_timeout",
            ),
            (
                WorkersConfig {
                    max_attempts: 0,
                    ..ok.clone()
                },
                "workers.max_attempts",
            ),
            (
                WorkersConfig {
                    run: Some(" ".into()),
                    ..ok.clone()
                },
                "workers.run",
            ),
        ] {
            let err = cfg.check().unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
    }
}
