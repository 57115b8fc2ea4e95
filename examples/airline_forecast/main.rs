//! Time-series forecasting on the airline passengers series (monthly, 1949–1960,
//! `examples/data/airline.csv`, BSD-3 through aeon): a forecaster of the next month from the
//! months before, whose two sequence slots choose among attention, 1-D convolutions, a GRU,
//! an LSTM and nothing, searched by SPOS from `examples/configs/airline_spos.toml` as a task
//! this binary registers (`task.rs`). The sub-network found is trained again from scratch and
//! scored on the last 18 months, beside a plain two-layer LSTM of the same width trained the
//! same way and the naive forecasts (last month, same month a year before).
//!
//! ```text
//! cargo run --release --example airline_forecast -- --out runs/airline
//! ```

mod task;

use anyhow::Context;
use burn::module::Module;
use burn::tensor::Device;
use modnas::construct::construct;
use modnas::estim::{Task, TrialReporter};
use modnas::param_space::ArchDesc;
use modnas::{run_search, Config, RunMode};
use std::path::{Path, PathBuf};
use task::{passengers, rmse, AirlineTask, TRAIN_END, VALID_END};

const CONFIG: &str = include_str!("../configs/airline_spos.toml");

/// What the search found and how it, the plain LSTM and the naive forecasts do.
struct Found {
    arch: ArchDesc,
    /// The sub-network's validation RMSE with the supernet's weights.
    inherited_valid: f64,
    /// Trained from scratch: (validation, test) RMSE.
    retrained: (f64, f64),
    lstm: (f64, f64),
    /// Test RMSE of the last month's value and of the same month a year before.
    naive: (f64, f64),
}

/// The task's forecaster with `arch` in its slots, trained from scratch for `epochs` on the
/// training months; its validation and test RMSE.
fn retrain(
    task: &AirlineTask,
    arch: &ArchDesc,
    epochs: usize,
    cfg: &Config,
) -> anyhow::Result<(f64, f64)> {
    let device = Device::default().autodiff();
    device.seed(0);
    let mut sets = cfg.construct.args.clone();
    sets.mixed_op = None;
    let mut c = construct(task.model(&device)?, &sets, &device)?;
    c.apply(arch)?;
    let train = task.months(0..TRAIN_END, &device)?;
    let (model, _) = task.train(c.model, &train, epochs, &mut TrialReporter::silent(0))?;
    let model = model.valid();
    let inner = device.inner();
    let valid = task.months(TRAIN_END..VALID_END, &inner)?;
    let test = task.months(VALID_END..144, &inner)?;
    Ok((rmse(&model, &valid)?, rmse(&model, &test)?))
}

/// The RMSE over `months` of forecasting each month by the month `lag` before it.
fn naive(lag: usize, months: std::ops::Range<usize>) -> anyhow::Result<f64> {
    let p = passengers()?;
    let n = months.len() as f64;
    let se: f64 = months.map(|t| f64::from(p[t] - p[t - lag]).powi(2)).sum();
    Ok((se / n).sqrt())
}

fn search(out: &Path, overrides: &[String]) -> anyhow::Result<Found> {
    let cfg = Config::from_toml(CONFIG, overrides)?;
    let run = run_search(&cfg, out, RunMode::Overwrite, &mut |_| {})?;
    let best = run.outcome.best.context("every trial failed")?;
    let task: AirlineTask =
        modnas::toml::Value::Table(cfg.task.clone().context("[task]")?.args).try_into()?;
    let epochs = cfg
        .estim
        .search
        .args
        .get("epochs")
        .and_then(|v| v.as_integer())
        .unwrap_or(150) as usize;
    let lstm: ArchDesc = [("layers.0", "LSTM"), ("layers.1", "LSTM")]
        .into_iter()
        .collect();
    Ok(Found {
        retrained: retrain(&task, &best.arch, epochs, &cfg)?,
        lstm: retrain(&task, &lstm, epochs, &cfg)?,
        inherited_valid: best.metrics["rmse"],
        arch: best.arch,
        naive: (naive(1, VALID_END..144)?, naive(12, VALID_END..144)?),
    })
}

fn main() -> anyhow::Result<()> {
    let mut out = PathBuf::from("runs/airline");
    let mut overrides = vec![];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().context("--out DIR")?.into(),
            "-o" => overrides.push(args.next().context("-o key=value")?),
            other => anyhow::bail!("unknown argument `{other}`; use --out DIR, -o key=value"),
        }
    }
    let start = std::time::Instant::now();
    let f = search(&out, &overrides)?;
    println!("run directory: {}", out.display());
    println!(
        "SPOS found: {} (validation RMSE {:.1} with the supernet's weights)",
        f.arch.summary(),
        f.inherited_valid
    );
    println!("trained from scratch, validation / test RMSE (thousands of passengers):");
    println!(
        "  found          {:.1} / {:.1}",
        f.retrained.0, f.retrained.1
    );
    println!("  two-layer LSTM {:.1} / {:.1}", f.lstm.0, f.lstm.1);
    println!(
        "naive test RMSE: last month {:.1}, same month a year before {:.1}",
        f.naive.0, f.naive.1
    );
    println!("{:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_spos_search_finds_a_forecaster_of_the_series() {
        let tmp = tempfile::tempdir().unwrap();
        let o = ["estim.search.args.epochs=30", "estim.search.args.trials=4"].map(String::from);
        let f = search(tmp.path(), &o).unwrap();
        assert_eq!(modnas::run::read_journal(tmp.path()).unwrap().len(), 4);
        assert_eq!(f.arch.len(), 2);
        // The validation months' naive forecast (the month before) as the yardstick.
        let naive_valid = naive(1, TRAIN_END..VALID_END).unwrap();
        let (valid, test) = f.retrained;
        assert!(
            valid < 1.5 * naive_valid,
            "validation RMSE {valid}, naive {naive_valid}"
        );
        assert!(test.is_finite() && f.inherited_valid.is_finite());
    }
}
