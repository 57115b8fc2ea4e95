//! Search quality of every discrete optimizer, with its default arguments, on NB201-format
//! tables: mean ± standard deviation over seeds of the best accuracy after 50, 100, 150 and
//! 300 evaluations, the difference from random search, the share of proposals that repeated
//! an evaluated architecture (answered from the record, not counted as evaluations), and
//! proposals per second. Every run goes through `run_search` with `TabularEstim`, journal
//! included.
//!
//! ```text
//! cargo run --release --example bench_search_quality                  # both synthetic tables
//! cargo run --release --example bench_search_quality -- --table nb201.csv --metric acc
//! cargo run --release --example bench_search_quality -- --optims REINFORCEOptim -o optim.args.lr=0.2
//! ```

use clap::Parser;
use modnas::estim::tabular::{nb201_space, write_cell_nb201_table, write_synthetic_nb201_table};
use modnas::optim::build_optim;
use modnas::{run_search, Config, RunMode};
use std::path::{Path, PathBuf};

/// Search quality of the discrete optimizers on NB201-format tables.
#[derive(Parser)]
struct Args {
    /// An NB201-format table (CSV: `arch` column of NB201 arch strings, metric columns);
    /// without it, the two synthetic tables (additive and cell) are generated.
    #[arg(long)]
    table: Option<PathBuf>,
    /// The metric column to maximise.
    #[arg(long, default_value = "acc")]
    metric: String,
    /// Seeds per optimizer and table.
    #[arg(long, default_value_t = 30)]
    seeds: u64,
    /// Evaluation budgets at which the best-so-far is read (the runs last the largest).
    #[arg(long, value_delimiter = ',', default_value = "50,100,150,300")]
    budgets: Vec<usize>,
    /// Only these optimizers (default: every registered discrete optimizer that builds with
    /// default arguments on the NB201 space).
    #[arg(long, value_delimiter = ',')]
    optims: Vec<String>,
    /// Config overrides applied to every run (`optim.args.lr=0.2`), as `modnas search -o`.
    #[arg(short = 'o', long = "override")]
    overrides: Vec<String>,
    /// Also write every figure here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// What the runs of one optimizer on one table measured.
struct Measured {
    optim: String,
    /// Best-so-far per budget, per seed.
    best: Vec<Vec<f64>>,
    repeat_share: f64,
    proposals_per_s: f64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let tables: Vec<(String, PathBuf)> = match &args.table {
        Some(p) => vec![(p.display().to_string(), p.clone())],
        None => {
            let additive = tmp.path().join("additive.csv");
            let cell = tmp.path().join("cell.csv");
            let (a, _) = write_synthetic_nb201_table(&additive, 0)?;
            let (c, _) = write_cell_nb201_table(&cell, 0)?;
            println!("synthetic tables: additive (optimum {a:.4}), cell (optimum {c:.4})");
            vec![("additive".into(), additive), ("cell".into(), cell)]
        }
    };
    let optims = if args.optims.is_empty() {
        default_optims()
    } else {
        args.optims.clone()
    };
    let mut json = vec![];
    for (name, path) in &tables {
        println!(
            "\n## table: {name}, {} seeds, budgets {:?}",
            args.seeds, args.budgets
        );
        let mut rows = vec![];
        for optim in &optims {
            let m = measure(optim, path, &args, tmp.path())?;
            json.push(to_json(name, &m, &args.budgets));
            rows.push(m);
        }
        print_table(&rows, &args.budgets);
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}

/// Every registered discrete optimizer that builds with its defaults on the NB201 space
/// (multi-objective ones need their objectives named, so they are left out) and evaluates
/// each proposal fully (a table has no epochs to choose: `HyperbandOptim` is measured by
/// `bench_multi_fidelity`).
fn default_optims() -> Vec<String> {
    let space = nb201_space();
    modnas::optim::optim_names()
        .into_iter()
        .filter(|n| {
            build_optim(n, &space, &toml::Table::new(), 0)
                .is_ok_and(|o| o.chooses_fidelity().is_none())
        })
        .map(String::from)
        .collect()
}

/// Runs `optim` over every seed on the table at `path`.
fn measure(optim: &str, path: &Path, args: &Args, tmp: &Path) -> anyhow::Result<Measured> {
    let trials = args.budgets.iter().copied().max().unwrap_or(100);
    let (mut best, mut repeats, mut proposals, mut seconds) = (vec![], 0, 0, 0.0);
    for seed in 0..args.seeds {
        let text = format!(
            r#"
            seed = {seed}
            [space]
            preset = "NB201"
            [optim]
            type = "{optim}"
            [estim.search]
            type = "TabularEstim"
            args = {{ path = {:?}, format = "nb201", trials = {trials}, objective = {:?} }}
            "#,
            path.display().to_string(),
            args.metric,
        );
        let cfg = Config::from_toml(&text, &args.overrides)?;
        let mut curve: Vec<f64> = vec![];
        let mut on_trial = |t: &modnas::estim::Trial| {
            let acc = t.metrics.get(&args.metric).copied().unwrap_or(f64::NAN);
            let so_far = curve.last().copied().unwrap_or(f64::MIN);
            curve.push(if acc > so_far { acc } else { so_far });
        };
        let dir = tmp.join(format!("{optim}-{seed}"));
        let start = std::time::Instant::now();
        let run = run_search(&cfg, &dir, RunMode::Overwrite, &mut on_trial)?;
        seconds += start.elapsed().as_secs_f64();
        std::fs::remove_dir_all(&dir)?;
        repeats += run.outcome.repeats;
        proposals += run.outcome.repeats + run.outcome.trials;
        best.push(
            args.budgets
                .iter()
                // The best after `b` evaluations, or after all of them if the run stopped
                // earlier; NaN when it evaluated none.
                .map(|&b| {
                    curve[..b.min(curve.len())]
                        .last()
                        .copied()
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        );
    }
    Ok(Measured {
        optim: optim.to_string(),
        best,
        repeat_share: repeats as f64 / proposals.max(1) as f64,
        proposals_per_s: proposals as f64 / seconds,
    })
}

fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// One row per optimizer: mean ± std per budget, then (Δ vs random search) with twice its
/// standard error, the repeat share and the speed.
fn print_table(rows: &[Measured], budgets: &[usize]) {
    let random = rows.iter().find(|r| r.optim == "RandomSearchOptim");
    let head: Vec<String> = budgets.iter().map(|b| format!("best@{b}")).collect();
    println!(
        "| optimizer | {} | repeats | proposals/s |",
        head.join(" | ")
    );
    println!("|---|{}---|---|", "---|".repeat(budgets.len()));
    for r in rows {
        let cells: Vec<String> = (0..budgets.len())
            .map(|i| {
                let xs: Vec<f64> = r.best.iter().map(|b| b[i]).collect();
                let (m, s) = mean_std(&xs);
                let delta = random.filter(|rs| rs.optim != r.optim).map(|rs| {
                    let ys: Vec<f64> = rs.best.iter().map(|b| b[i]).collect();
                    let (rm, rsd) = mean_std(&ys);
                    let se = (s * s / xs.len() as f64 + rsd * rsd / ys.len() as f64).sqrt();
                    format!(" ({:+.3} ± {:.3})", m - rm, 2.0 * se)
                });
                format!("{m:.3} ± {s:.3}{}", delta.unwrap_or_default())
            })
            .collect();
        println!(
            "| {} | {} | {:.1} % | {:.0} |",
            r.optim,
            cells.join(" | "),
            100.0 * r.repeat_share,
            r.proposals_per_s
        );
    }
}

fn to_json(table: &str, m: &Measured, budgets: &[usize]) -> serde_json::Value {
    let per_budget: Vec<serde_json::Value> = budgets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let xs: Vec<f64> = m.best.iter().map(|s| s[i]).collect();
            let (mean, std) = mean_std(&xs);
            serde_json::json!({ "budget": b, "mean_best": mean, "std_best": std })
        })
        .collect();
    serde_json::json!({
        "table": table, "optimizer": m.optim, "seeds": m.best.len(), "budgets": per_budget,
        "repeat_share": m.repeat_share, "proposals_per_s": m.proposals_per_s,
    })
}
