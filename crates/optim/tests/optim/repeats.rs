//! Every evaluation counts: with their default arguments, the discrete optimizers rarely
//! propose an architecture twice, keep exploring on a percentage metric with a plateau (as
//! NAS-Bench-201's disconnected cells at 10 %), and beat random search at small budgets.

use modnas_core::MetricMap;
use modnas_optim::{build_optim, optim_names};
use modnas_param_space::ArchDesc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

use crate::discrete::{space, CHOICES, PARAMS};

/// A percentage metric: random per-(parameter, choice) gains with a pairwise interaction, and
/// a plateau at about 10 % where parameters 0 and 3 both take choice 0 (a cell whose output is
/// cut off).
struct PercentTable {
    gain: Vec<Vec<f64>>,
    pair: Vec<Vec<f64>>,
}

impl PercentTable {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut grid = |n: usize, m: usize| -> Vec<Vec<f64>> {
            (0..n)
                .map(|_| (0..m).map(|_| rng.random::<f64>()).collect())
                .collect()
        };
        Self {
            gain: grid(PARAMS, CHOICES),
            pair: grid(CHOICES, CHOICES),
        }
    }

    fn score(&self, arch: &ArchDesc) -> f64 {
        let c: Vec<usize> = (0..PARAMS)
            .map(|p| {
                let v = arch.get(&format!("e{p}")).unwrap().as_str().unwrap();
                v[2..].parse().unwrap()
            })
            .collect();
        let tiny = (c.iter().fold(7u64, |h, &x| h * 31 + x as u64) % 100) as f64 * 1e-3;
        if c[0] == 0 && c[3] == 0 {
            return 10.0 + tiny;
        }
        let additive: f64 = c.iter().enumerate().map(|(p, &x)| self.gain[p][x]).sum();
        let interaction = self.pair[c[1]][c[2]] + self.pair[c[4]][c[5]];
        50.0 + 5.0 * additive + 4.0 * interaction + tiny
    }
}

/// What `budget` sequential proposals of `name` (default arguments) found: the best score,
/// and how many proposals repeated an earlier one.
fn search(name: &str, seed: u64, budget: usize) -> (f64, usize) {
    let table = PercentTable::new(100 + seed);
    let mut optim = build_optim(name, &space(), &toml::Table::new(), seed).unwrap();
    let mut seen = HashSet::new();
    let (mut best, mut repeats) = (f64::MIN, 0);
    for _ in 0..budget {
        let Some(arch) = optim.next(1).unwrap().pop() else {
            break;
        };
        repeats += usize::from(!seen.insert(arch.summary()));
        let score = table.score(&arch);
        best = best.max(score);
        let metrics: MetricMap = [("acc".to_string(), score)].into_iter().collect();
        optim.step(&arch, &metrics).unwrap();
    }
    (best, repeats)
}

/// Every registered optimizer that builds with its defaults on the test space, except the
/// two that do not learn (random search, the baseline, and grid search, an enumeration), the
/// two surrogate-based ones, which propose only unseen architectures by construction and
/// are slow in a debug build (`discrete.rs` compares them with random search, and
/// `examples/bench_search_quality.rs` measures all of them over 30 seeds), and
/// `HyperbandOptim` and `BOHBOptim`, which propose their best architectures again at more
/// epochs by design and save epochs, not evaluations (`examples/bench_multi_fidelity.rs`).
fn adaptive_optims() -> Vec<&'static str> {
    const LEFT_OUT: [&str; 6] = [
        "BOHBOptim",
        "RandomSearchOptim",
        "GridSearchOptim",
        "GPBayesOptim",
        "ModelBasedOptim",
        "HyperbandOptim",
    ];
    optim_names()
        .into_iter()
        .filter(|n| !LEFT_OUT.contains(n))
        .filter(|n| build_optim(n, &space(), &toml::Table::new(), 0).is_ok())
        .collect()
}

#[test]
fn no_optimizer_spends_more_than_two_percent_of_its_proposals_on_repeats() {
    let optims = adaptive_optims();
    assert!(optims.len() >= 5, "{optims:?}");
    for name in optims {
        let repeats: usize = (0..10).map(|seed| search(name, seed, 100).1).sum();
        assert!(repeats <= 20, "{name}: {repeats} repeats in 1000 proposals");
    }
}

#[test]
fn reinforce_keeps_exploring_on_a_percentage_metric() {
    for seed in 0..30 {
        let table = PercentTable::new(100 + seed);
        let mut o = build_optim("REINFORCEOptim", &space(), &toml::Table::new(), seed).unwrap();
        let mut distinct = HashSet::new();
        for _ in 0..100 {
            let arch = o.next(1).unwrap().pop().unwrap();
            distinct.insert(arch.summary());
            let metrics: MetricMap = [("acc".to_string(), table.score(&arch))]
                .into_iter()
                .collect();
            o.step(&arch, &metrics).unwrap();
        }
        assert!(
            distinct.len() >= 95,
            "seed {seed}: {} distinct architectures in 100 proposals",
            distinct.len()
        );
    }
}

#[test]
fn defaults_beat_random_search_at_50_and_100_evaluations() {
    let mean_best = |name: &str, budget: usize| -> f64 {
        (0..30)
            .map(|seed| search(name, seed, budget).0)
            .sum::<f64>()
            / 30.0
    };
    for budget in [50, 100] {
        let random = mean_best("RandomSearchOptim", budget);
        for name in adaptive_optims() {
            let got = mean_best(name, budget);
            assert!(
                got > random,
                "{name} at {budget} evaluations: mean best {got:.3}, random search {random:.3}"
            );
        }
    }
}
