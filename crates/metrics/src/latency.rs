//! Measured latency: [`measure`] times a closure after warm-up runs, synchronising the device
//! around each run, and [`LatencyMetric`] (key `latency_ms`) applies it to a network's forward
//! pass on the device the network lives on.

use crate::{register_metric, ArchMetric, MetricsError};
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use modnas_construct::NetBox;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Wall times of repeated runs, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    /// Median.
    pub median_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// Standard deviation.
    pub std_ms: f64,
    /// Timed runs.
    pub runs: usize,
}

/// Timing settings: `warmup` untimed runs, then `runs` timed ones.
#[modnas_core::nas_config]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimingArgs {
    /// Untimed runs first (caches, kernel compilation).
    #[config(default = 3)]
    pub warmup: usize,
    /// Timed runs.
    #[config(default = 10)]
    pub runs: usize,
    /// Images per forward pass.
    #[config(default = 1)]
    pub batch: usize,
}

impl Default for TimingArgs {
    fn default() -> Self {
        Self::new()
    }
}

impl TimingArgs {
    /// Rejects zero runs or batch.
    pub fn check(&self, metric: &str) -> Result<(), MetricsError> {
        if self.runs == 0 || self.batch == 0 {
            return Err(MetricsError::InvalidArgs {
                metric: metric.into(),
                reason: format!(
                    "`runs` = {} and `batch` = {} must be at least 1",
                    self.runs, self.batch
                ),
            });
        }
        Ok(())
    }
}

fn sync(device: &Device) -> Result<(), MetricsError> {
    device
        .sync()
        .map_err(|e| MetricsError::Device(format!("{device:?}: {e:?}")))
}

/// Times `run` on `device`: `args.warmup` untimed runs, then `args.runs` runs each between two
/// device synchronisations, so queued GPU work is counted where it belongs.
pub fn measure(
    device: &Device,
    args: &TimingArgs,
    mut run: impl FnMut(),
) -> Result<LatencyStats, MetricsError> {
    for _ in 0..args.warmup {
        run();
    }
    sync(device)?;
    let mut times = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let t0 = Instant::now();
        run();
        sync(device)?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    Ok(stats(&mut times))
}

fn stats(times: &mut [f64]) -> LatencyStats {
    times.sort_by(f64::total_cmp);
    let n = times.len().max(1) as f64;
    let mean = times.iter().sum::<f64>() / n;
    let var = times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
    let mid = times.len() / 2;
    let median = match times.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => times[mid],
        _ => (times[mid - 1] + times[mid]) / 2.0,
    };
    LatencyStats {
        median_ms: median,
        mean_ms: mean,
        std_ms: var.sqrt(),
        runs: times.len(),
    }
}

/// The device a network's weights live on, without autodiff (timing measures inference).
pub(crate) fn inference_device(net: &NetBox) -> Device {
    net.devices().into_iter().next().unwrap_or_default().inner()
}

/// `LatencyMetric` (key `latency_ms`): the median wall time of the network's forward pass in
/// inference mode on the device it lives on, for a batch of `batch` random images.
pub struct LatencyMetric {
    args: TimingArgs,
}

impl ArchMetric for LatencyMetric {
    fn key(&self) -> &str {
        "latency_ms"
    }

    fn compute(&self, net: &NetBox, input: &[usize]) -> Result<f64, MetricsError> {
        let device = inference_device(net);
        let net = net.valid();
        let mut shape = input.to_vec();
        shape[0] = self.args.batch;
        let shape: [usize; 4] = shape.try_into().map_err(|s: Vec<usize>| {
            MetricsError::Device(format!("input shape {s:?} is not [N, C, H, W]"))
        })?;
        let x = Tensor::<4>::random(shape, Distribution::Default, &device);
        let stats = measure(&device, &self.args, || {
            let _ = net.forward(x.clone());
        })?;
        Ok(stats.median_ms)
    }
}

register_metric!(
    /// median measured forward latency in ms, device-synchronised (key `latency_ms`)
    "LatencyMetric", |args: TimingArgs| {
        args.check("LatencyMetric")?;
        Ok(Box::new(LatencyMetric { args }))
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_runs() {
        let s = stats(&mut [4.0, 1.0, 3.0, 2.0]);
        assert_eq!((s.median_ms, s.mean_ms, s.runs), (2.5, 2.5, 4));
        assert!((s.std_ms - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(stats(&mut [5.0, 1.0, 3.0]).median_ms, 3.0);
    }

    #[test]
    fn timing_counts_runs_and_measures_work() {
        let device = Device::default();
        let mut calls = 0;
        let args = TimingArgs {
            warmup: 2,
            runs: 5,
            batch: 1,
        };
        let s = measure(&device, &args, || {
            calls += 1;
            std::thread::sleep(std::time::Duration::from_millis(2));
        })
        .unwrap();
        assert_eq!((calls, s.runs), (7, 5));
        assert!(s.median_ms >= 2.0, "{s:?}");
        let bad = TimingArgs { runs: 0, ..args };
        assert!(bad
            .check("LatencyMetric")
            .unwrap_err()
            .to_string()
            .contains("`runs` = 0"));
    }
}
