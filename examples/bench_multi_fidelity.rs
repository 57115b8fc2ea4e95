//! Pruned searches against full training at equal compute: random search with each trial
//! trained to the end, against random search whose trials ASHA (`SuccessiveHalvingPruner`) or
//! Hyperband (`HyperbandPruner`) stop early, and against `HyperbandOptim` and `BOHBOptim`
//! (which choose each trial's epochs), under an epoch budget (`max_epochs`) of 0.4× the full searches' epochs. Mean ± standard deviation over seeds of the best validation accuracy
//! (of trials that trained to the end) and of the epochs used.
//!
//! Two settings:
//! - `curves`: a synthetic table of 300 learning curves (27 epochs each; curves that rise fast
//!   and stall cross curves that rise slowly and go higher), searched through
//!   `search_with_reporting`, each trial reporting the table's accuracy after each epoch;
//! - `mnist`: real training of a ConvNet's three convolutions (kernel 3/5/7, average pooling or
//!   identity) on the MNIST 5k subset through `run_search` with `SubNetEstim`, `[pruner]` and
//!   `max_epochs` from TOML.
//!
//! ```text
//! cargo run --release --example bench_multi_fidelity                        # curves, 30 seeds
//! cargo run --release --example bench_multi_fidelity -- --setting mnist \
//!     --data ../shared/data/mnist_5k.csv.gz --seeds 10
//! ```

use clap::{Parser, ValueEnum};
use modnas::core::MetricMap;
use modnas::estim::{
    build_pruner, search_with_reporting, EstimError, Pruning, Reporting, SearchArgs, Trial,
    TrialObserver,
};
use modnas::optim::build_optim;
use modnas::param_space::{Categorical, ParamSpace};
use modnas::run::read_journal;
use modnas::{run_search, Config, RunMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Setting {
    Curves,
    Mnist,
}

/// Pruned against full-length searches at equal epochs.
#[derive(Parser)]
struct Args {
    /// Which setting.
    #[arg(long, value_enum, default_value = "curves")]
    setting: Setting,
    /// Seeds per method (default: 30 for curves, 10 for mnist).
    #[arg(long)]
    seeds: Option<u64>,
    /// Trials of the full-length search (its epochs are `full_trials × epochs`).
    #[arg(long)]
    full_trials: Option<usize>,
    /// Epochs of a full training (default: 27 for curves, 9 for mnist).
    #[arg(long)]
    epochs: Option<usize>,
    /// The pruned searches' epoch budget as a share of the full search's.
    #[arg(long, default_value_t = 0.4)]
    share: f64,
    /// Epochs of the first rung of ASHA and of Hyperband's most aggressive bracket.
    #[arg(long, default_value_t = 1)]
    min_epochs: i64,
    /// The MNIST 5k CSV (`mnist_5k.csv.gz`) for `--setting mnist`.
    #[arg(long, default_value = "../shared/data/mnist_5k.csv.gz")]
    data: PathBuf,
    /// Only the methods whose names contain one of these (default: all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// A search method: its name, its pruner (`[pruner]` type and args), and whether it runs at
/// the full budget (`trials`) or at the shared epoch budget (`max_epochs`).
struct Method {
    name: &'static str,
    /// The optimizer and its args.
    optim: (&'static str, toml::Table),
    pruner: Option<(&'static str, toml::Table)>,
    full: bool,
}

fn methods(epochs: usize, min_epochs: i64) -> Vec<Method> {
    let asha = toml::toml! { min_epochs = min_epochs
    reduction_factor = 3 };
    let mut hyperband = toml::toml! { min_epochs = min_epochs
    reduction_factor = 3 };
    hyperband.insert("max_epochs".into(), (epochs as i64).into());
    let random = || ("RandomSearchOptim", toml::Table::new());
    vec![
        Method {
            name: "random, full training",
            optim: random(),
            pruner: None,
            full: true,
        },
        Method {
            name: "random, full training, same epochs as pruned",
            optim: random(),
            pruner: None,
            full: false,
        },
        Method {
            name: "random + ASHA",
            optim: random(),
            pruner: Some(("SuccessiveHalvingPruner", asha)),
            full: false,
        },
        Method {
            name: "random + Hyperband",
            optim: random(),
            pruner: Some(("HyperbandPruner", hyperband.clone())),
            full: false,
        },
        Method {
            name: "HyperbandOptim",
            optim: ("HyperbandOptim", hyperband.clone()),
            pruner: None,
            full: false,
        },
        Method {
            name: "BOHBOptim",
            optim: ("BOHBOptim", hyperband),
            pruner: None,
            full: false,
        },
    ]
}

/// The methods `args.only` selects.
fn selected(args: &Args, epochs: usize) -> Vec<Method> {
    methods(epochs, args.min_epochs)
        .into_iter()
        .filter(|m| args.only.is_empty() || args.only.iter().any(|o| m.name.contains(o.as_str())))
        .collect()
}

/// What one search gave: the best accuracy of a fully trained trial, epochs, trials, pruned.
#[derive(Clone, Copy)]
struct Outcome {
    best: f64,
    epochs: usize,
    trials: usize,
    pruned: usize,
}

fn summarize(trials: &[Trial], objective: &str) -> Outcome {
    let best = trials
        .iter()
        .filter(|t| t.pruned.is_none() && t.error.is_none())
        .filter_map(|t| t.metrics.get(objective).copied())
        .fold(f64::NAN, f64::max);
    Outcome {
        best,
        epochs: trials.iter().map(|t| t.epochs.unwrap_or(0)).sum(),
        trials: trials.len(),
        pruned: trials.iter().filter(|t| t.pruned.is_some()).count(),
    }
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn print_rows(rows: &[(&str, Vec<Outcome>)], reference: Option<f64>) {
    println!(
        "| method | best valid acc (mean ± std) | epochs used | trials | pruned |{}",
        if reference.is_some() { " regret |" } else { "" }
    );
    println!(
        "|---|---|---|---|---|{}",
        if reference.is_some() { "---|" } else { "" }
    );
    for (name, outcomes) in rows {
        let col =
            |f: &dyn Fn(&Outcome) -> f64| mean_std(&outcomes.iter().map(f).collect::<Vec<_>>());
        let (acc, acc_sd) = col(&|o| o.best);
        let (epochs, _) = col(&|o| o.epochs as f64);
        let (trials, _) = col(&|o| o.trials as f64);
        let (pruned, _) = col(&|o| o.pruned as f64);
        let regret = reference.map_or(String::new(), |r| format!(" {:.4} |", r - acc));
        println!(
            "| {name} | {acc:.4} ± {acc_sd:.4} | {epochs:.0} | {trials:.1} | {pruned:.1} |{regret}"
        );
    }
}

/// 300 synthetic learning curves: accuracy after each epoch.
struct CurveTable {
    curves: Vec<Vec<f64>>,
}

impl CurveTable {
    fn generate(configs: usize, epochs: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let curves = (0..configs)
            .map(|_| {
                // Final accuracy and speed are independent: fast starters are not always the
                // best at the end, so early stopping can be wrong.
                let top: f64 = rng.random_range(0.60..0.95);
                let tau: f64 = rng.random_range(1.0..12.0);
                (1..=epochs)
                    .map(|e| {
                        let noise: f64 = rng.random_range(-0.01..0.01);
                        (top - (top - 0.1) * (-(e as f64) / tau).exp() + noise).clamp(0.0, 1.0)
                    })
                    .collect()
            })
            .collect();
        Self { curves }
    }

    fn best_final(&self) -> f64 {
        self.curves
            .iter()
            .map(|c| *c.last().unwrap())
            .fold(f64::MIN, f64::max)
    }
}

/// Keeps the trials.
struct Keep(Vec<Trial>);

impl TrialObserver for Keep {
    fn on_trial(&mut self, trial: &Trial) -> Result<(), EstimError> {
        self.0.push(trial.clone());
        Ok(())
    }
}

fn curves(args: &Args) -> anyhow::Result<()> {
    let (epochs, seeds) = (args.epochs.unwrap_or(27), args.seeds.unwrap_or(30));
    let full_trials = args.full_trials.unwrap_or(20);
    let budget = (args.share * (full_trials * epochs) as f64).round() as usize;
    let table = CurveTable::generate(300, epochs, 7);
    let mut space = ParamSpace::new();
    space.insert("config", Categorical::new((0..300i64).collect::<Vec<_>>())?)?;
    println!(
        "synthetic curves: 300 configurations, {epochs} epochs, full search {full_trials} trials \
         ({} epochs), pruned searches and their equal-epoch baseline {budget} epochs, {seeds} \
         seeds; best final accuracy in the table {:.4}\n",
        full_trials * epochs,
        table.best_final()
    );
    let mut rows = vec![];
    for m in selected(args, epochs) {
        let mut outcomes = vec![];
        for seed in 0..seeds {
            let mut optim = build_optim(m.optim.0, &space, &m.optim.1, seed)?;
            let mut search = SearchArgs::new(Some(full_trials), "acc", true);
            if !m.full {
                search.budget.trials = None;
                search.budget.epochs = Some(budget);
            }
            let pruning = match &m.pruner {
                Some((name, a)) => Some(Pruning::new(build_pruner(name, a)?)),
                None => None,
            };
            let reporting = Reporting {
                pruning,
                checkpoints: None,
            };
            let mut kept = Keep(vec![]);
            search_with_reporting(
                optim.as_mut(),
                &mut kept,
                &[],
                &search,
                reporting,
                |arch, _, r| {
                    let i = arch.get("config").and_then(|v| v.as_i64()).unwrap_or(0) as usize;
                    for (e, acc) in table.curves[i].iter().enumerate() {
                        r.report(e + 1, MetricMap::from([("acc".to_string(), *acc)]))?;
                    }
                    Ok(MetricMap::from([(
                        "acc".to_string(),
                        table.curves[i][epochs - 1],
                    )]))
                },
            )?;
            outcomes.push(summarize(&kept.0, "acc"));
        }
        rows.push((m.name, outcomes));
    }
    print_rows(&rows, Some(table.best_final()));
    Ok(())
}

fn mnist_config(args: &Args, seed: u64, epochs: usize) -> String {
    format!(
        r#"
seed = {seed}
[data]
type = "MnistCsv"
args = {{ path = "{}", valid_ratio = 0.2 }}
[model]
type = "ConvNet"
args = {{ channels = [8, 16, 16], strides = [1, 2, 2] }}
[construct.args]
candidates = ["NC3", "NC5", "NC7", "AVG", "IDT"]
[optim]
type = "RandomSearchOptim"
[estim.search]
type = "SubNetEstim"
args = {{ epochs = {epochs} }}
[trainer]
args = {{ optimizer = "adam", lr = 0.01, batch_size = 64 }}
"#,
        args.data.display()
    )
}

fn mnist(args: &Args) -> anyhow::Result<()> {
    let (epochs, seeds) = (args.epochs.unwrap_or(9), args.seeds.unwrap_or(10));
    let full_trials = args.full_trials.unwrap_or(8);
    let budget = (args.share * (full_trials * epochs) as f64).round() as usize;
    println!(
        "MNIST 5k (4000 training, 1000 validation images), ConvNet [8, 16, 16], 3 slots of \
         {{NC3, NC5, NC7, AVG, IDT}}, {epochs} epochs per full training; full search \
         {full_trials} trials ({} epochs), pruned searches and their equal-epoch baseline \
         {budget} epochs; {seeds} seeds\n",
        full_trials * epochs
    );
    let tmp = tempfile::tempdir()?;
    let mut rows = vec![];
    for m in selected(args, epochs) {
        let mut outcomes = vec![];
        for seed in 0..seeds {
            let mut o = vec![];
            if m.full {
                o.push(format!("estim.search.args.trials={full_trials}"));
            } else {
                o.push(format!("estim.search.args.max_epochs={budget}"));
            }
            o.push(format!("optim.type=\"{}\"", m.optim.0));
            o.push(format!(
                "optim.args={}",
                toml::Value::Table(m.optim.1.clone())
            ));
            if let Some((name, a)) = &m.pruner {
                o.push(format!("pruner.type=\"{name}\""));
                o.push(format!("pruner.args={}", toml::Value::Table(a.clone())));
            }
            let cfg = Config::from_toml(&mnist_config(args, seed, epochs), &o)?;
            let dir = tmp.path().join(format!("{}-{seed}", rows.len()));
            let t0 = std::time::Instant::now();
            run_search(&cfg, &dir, RunMode::New, &mut |_| {})?;
            let outcome = summarize(&read_journal(&dir)?, "acc");
            eprintln!(
                "{} seed {seed}: best {:.4}, {} epochs, {:.0} s",
                m.name,
                outcome.best,
                outcome.epochs,
                t0.elapsed().as_secs_f64()
            );
            outcomes.push(outcome);
        }
        rows.push((m.name, outcomes));
    }
    print_rows(&rows, None);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.setting {
        Setting::Curves => curves(&args),
        Setting::Mnist => mnist(&args),
    }
}
