//! Proposals per second of `RegularizedEvolutionOptim` on the NB201 space with `TabularEstim`:
//! optimizer `next` + table lookup + trial record (`trials.jsonl`, flushed per trial) +
//! optimizer `step`, through the same search routine as every run (goal ≥ 100k/s).
//!
//! ```text
//! cargo run --release --example bench_tabular [-- --json out.json]
//! ```

use clap::Parser;
use modnas::estim::tabular::write_synthetic_nb201_table;
use modnas::{run_search, Config};

/// Proposals per second of regularized evolution on a table.
#[derive(Parser)]
struct JsonArg {
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let json = JsonArg::parse().json;
    let dir = tempfile::tempdir()?;
    let table = dir.path().join("nb201.csv");
    write_synthetic_nb201_table(&table, 0)?;
    let trials = 200_000;
    let text = format!(
        r#"
        [space]
        preset = "NB201"
        [optim]
        type = "RegularizedEvolutionOptim"
        args = {{ population = 100, sample_size = 10 }}
        [estim.search]
        type = "TabularEstim"
        # 200000 evaluations of a 15625-architecture space: repeats are evaluated again, so
        # the figure stays proposals (and records) per second.
        args = {{ path = {:?}, format = "nb201", trials = {trials}, revisit = "evaluate" }}
        "#,
        table.display().to_string()
    );
    let cfg = Config::from_toml(&text, &[])?;
    let start = std::time::Instant::now();
    let run = run_search(
        &cfg,
        &dir.path().join("run"),
        modnas::RunMode::New,
        &mut |_| {},
    )?;
    let secs = start.elapsed().as_secs_f64();
    let per_s = run.outcome.trials as f64 / secs;
    println!(
        "RegularizedEvolutionOptim + TabularEstim (NB201, {} trials, journal written): {per_s:.0} proposals/s (goal >= 100000)",
        run.outcome.trials,
    );
    if let Some(path) = json {
        let out = serde_json::json!({
            "bench": "tabular", "trials": run.outcome.trials, "proposals_per_s": per_s,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}
