//! Failed trials: an architecture whose model fails (a construct or metric error, a panic in
//! user code) or whose training diverges (NaN/inf loss) is recorded as failed and the search
//! goes on — one bad candidate must not end an overnight run.

use crate::EstimError;
use modnas_core::MetricMap;
use modnas_metrics::MetricsError;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Errors that belong to one architecture rather than to the run.
/// A latency table that lacks an entry is the table's fault, not the architecture's: it stops
/// the run (and a run resumed with a completed table goes on).
fn is_trial_failure(e: &EstimError) -> bool {
    match e {
        EstimError::Metrics(MetricsError::Table { .. }) => false,
        EstimError::Construct(_) | EstimError::Metrics(_) | EstimError::TrialFailed(_) => true,
        _ => false,
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Runs `evaluate` and sorts its outcome: metrics and `None` for a good trial; the metrics
/// that exist, with the objective `objective` set to NaN, and the reason for a failed one;
/// `Err` for errors that concern the whole run (recording, configuration).
pub(crate) fn evaluate_guarded(
    objective: &str,
    evaluate: impl FnOnce() -> Result<MetricMap, EstimError>,
) -> Result<(MetricMap, Option<String>), EstimError> {
    let failed = |mut metrics: MetricMap, reason: String| {
        metrics.insert(objective.to_string(), f64::NAN);
        Ok((metrics, Some(reason)))
    };
    match catch_unwind(AssertUnwindSafe(evaluate)) {
        Ok(Ok(metrics)) => {
            let diverged = ["train_loss", objective]
                .into_iter()
                .find(|k| metrics.get(*k).is_some_and(|v| !v.is_finite()));
            match diverged {
                Some(key) => {
                    let reason = format!("`{key}` is {}", metrics[key]);
                    failed(metrics, reason)
                }
                None => Ok((metrics, None)),
            }
        }
        Ok(Err(e)) if is_trial_failure(&e) => failed(MetricMap::new(), e.to_string()),
        Ok(Err(e)) => Err(e),
        Err(payload) => failed(
            MetricMap::new(),
            format!("panicked: {}", panic_message(payload.as_ref())),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::ConstructError;

    fn metrics(pairs: &[(&str, f64)]) -> MetricMap {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn good_trials_pass_through() {
        let m = metrics(&[("acc", 0.5), ("train_loss", 0.7)]);
        assert_eq!(
            evaluate_guarded("acc", || Ok(m.clone())).unwrap(),
            (m, None)
        );
    }

    #[test]
    fn divergence_model_errors_and_panics_fail_the_trial_only() {
        let (m, why) = evaluate_guarded("acc", || {
            Ok(metrics(&[("acc", 0.3), ("train_loss", f64::NAN)]))
        })
        .unwrap();
        assert!(m["acc"].is_nan() && m["train_loss"].is_nan());
        assert_eq!(why.as_deref(), Some("`train_loss` is NaN"));

        let (m, why) = evaluate_guarded("acc", || {
            Err(ConstructError::InvalidSpec("no candidate fits".into()).into())
        })
        .unwrap();
        assert!(m["acc"].is_nan());
        assert!(why.unwrap().contains("no candidate fits"));

        let (_, why) = evaluate_guarded("acc", || panic!("shape mismatch [2, 3]")).unwrap();
        assert_eq!(why.as_deref(), Some("panicked: shape mismatch [2, 3]"));
    }

    #[test]
    fn run_errors_still_stop_the_search() {
        let err = evaluate_guarded("acc", || Err(EstimError::Record("disk full".into())));
        assert!(matches!(err, Err(EstimError::Record(_))));
    }
}
