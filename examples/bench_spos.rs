//! SPOS subnet-evaluation throughput: a single-path supernet (`IndexMixedOp` in every slot of
//! a ConvNet) is trained for four epochs on the embedded digits, then random subnets are
//! evaluated with inherited weights, with and without batch-norm recalibration. Each trial's
//! own seconds (apply + recalibrate + validate) are summed, so supernet training is excluded.
//!
//! ```text
//! cargo run --release --example bench_spos -- [--trials 50] [--recal-batches 10] [--json out.json]
//! ```

use anyhow::Result;
use clap::Parser;
use modnas::{run_search, Config};

const CONFIG: &str = r#"
seed = 0
[data]
type = "Digits"
[model]
type = "ConvNet"
args = { channels = [16, 32, 32], strides = [1, 2, 1] }
[construct.args]
mixed_op = "IndexMixedOp"
candidates = ["NC3", "NC5", "NC7", "SC3", "IDT"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SPOSEstim"
args = { epochs = 4, batch_size = 64, lr = 0.05 }
"#;

/// SPOS with and without batch-norm recalibration.
#[derive(Parser)]
struct Args {
    /// Subnets evaluated after the supernet training.
    #[arg(long, default_value_t = 50)]
    trials: usize,
    /// Recalibration batches of the second row.
    #[arg(long = "recal-batches", default_value_t = 10)]
    recal_batches: usize,
    /// Also write the figures here as JSON.
    #[arg(long)]
    json: Option<String>,
}

fn main() -> Result<()> {
    let Args {
        trials,
        recal_batches: recal,
        json,
    } = Args::parse();
    let mut rows = vec![];
    for batches in [0, recal] {
        let cfg = Config::from_toml(
            CONFIG,
            &[
                format!("estim.search.args.trials={trials}"),
                format!("estim.search.args.recal_batches={batches}"),
            ],
        )?;
        let dir = std::env::temp_dir().join(format!("modnas-bench-spos-{batches}"));
        let _ = std::fs::remove_dir_all(&dir);
        let (mut seconds, mut acc) = (0.0, 0.0);
        run_search(&cfg, &dir, modnas::RunMode::New, &mut |t| {
            seconds += t.seconds;
            acc += t.metrics["acc"];
        })?;
        let per_s = trials as f64 / seconds;
        let mean_acc = acc / trials as f64;
        println!(
            "SPOS, {trials} subnets, BN recalibration on {batches:>2} batches: {per_s:8.1} subnets/s, mean acc {mean_acc:.4}"
        );
        rows.push(serde_json::json!({
            "recal_batches": batches, "subnets_per_s": per_s, "mean_acc": mean_acc,
        }));
    }
    if let Some(path) = json {
        let out = serde_json::json!({ "bench": "spos", "trials": trials, "rows": rows });
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}
