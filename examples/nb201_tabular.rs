//! Regularized evolution and random search on a NAS-Bench-201-format table (NASLib's setting:
//! 1000 evaluations, population 100, sample size 10), printing the best arch string and its
//! metric per optimizer.
//!
//! ```text
//! cargo run --release --example nb201_tabular -- path/to/nb201.csv [metric-column]
//! cargo run --release --example nb201_tabular            # on a generated synthetic table
//! ```
//! The CSV needs a column `arch` with NB201 arch strings and numeric metric columns.

use anyhow::Context;
use clap::Parser;
use modnas::estim::tabular::{nb201_arch_string, write_synthetic_nb201_table};
use modnas::{run_search, Config};

/// Regularized evolution against random search on an NB201 table.
#[derive(Parser)]
struct Args {
    /// The table (CSV with NB201 arch strings); a synthetic one when left out.
    table: Option<std::path::PathBuf>,
    /// The metric column to maximise.
    #[arg(default_value = "acc")]
    metric: String,
}

fn main() -> anyhow::Result<()> {
    let Args { table, metric } = Args::parse();
    let tmp = tempfile::tempdir()?;
    let path = match table {
        Some(p) => p,
        None => {
            let p = tmp.path().join("synthetic_nb201.csv");
            let (acc, arch) = write_synthetic_nb201_table(&p, 0)?;
            println!("no table given: generated a synthetic one (optimum acc {acc:.6} at {arch})");
            p
        }
    };
    let text = std::fs::read_to_string("examples/configs/nb201_tabular.toml")
        .context("run from the repository root")?;
    for optim in ["RegularizedEvolutionOptim", "RandomSearchOptim"] {
        let overrides = vec![
            format!("estim.search.args.path={:?}", path.display().to_string()),
            format!("estim.search.args.objective={metric:?}"),
            format!("optim.type={optim}"),
            "optim.args={}".to_string(),
        ];
        let mut cfg = Config::from_toml(&text, &overrides)?;
        if optim == "RegularizedEvolutionOptim" {
            cfg.optim.args = toml::from_str("population = 100\nsample_size = 10")?;
        }
        let start = std::time::Instant::now();
        let run = run_search(
            &cfg,
            &tmp.path().join(optim),
            modnas::RunMode::New,
            &mut |_| {},
        )?;
        let best = run.outcome.best.context("no trial")?;
        println!(
            "{optim:>26}: best {metric} {:.6} at {} ({} evaluations, {:.2}s)",
            best.metrics[&metric],
            nb201_arch_string(&best.arch)?,
            run.outcome.trials,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
