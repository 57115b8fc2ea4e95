//! Discrete optimizers on a synthetic table with a known optimum: additive per-parameter
//! scores plus noise. Regret = optimum − best score found within the budget.

use modnas_core::MetricMap;
use modnas_optim::{build_optim, optim_names, ArchOptim, OptimError};
use modnas_param_space::{ArchDesc, Categorical, Numeric, ParamSpace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub(crate) const PARAMS: usize = 6;
pub(crate) const CHOICES: usize = 5;

/// Per-parameter, per-choice scores; the table value of an arch is their sum plus a small
/// deterministic noise term.
struct Table {
    weights: Vec<Vec<f64>>,
}

impl Table {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        Self {
            weights: (0..PARAMS)
                .map(|_| (0..CHOICES).map(|_| rng.random::<f64>()).collect())
                .collect(),
        }
    }

    fn choice(arch: &ArchDesc, p: usize) -> usize {
        let v = arch.get(&format!("e{p}")).unwrap().as_str().unwrap();
        v[2..].parse().unwrap()
    }

    fn score(&self, arch: &ArchDesc) -> f64 {
        let choices: Vec<usize> = (0..PARAMS).map(|p| Self::choice(arch, p)).collect();
        self.score_of(&choices)
    }

    fn score_of(&self, choices: &[usize]) -> f64 {
        let mut s = 0.0;
        let mut h = 0u64;
        for (p, &c) in choices.iter().enumerate() {
            s += self.weights[p][c];
            h = h * 31 + c as u64;
        }
        s + ((h * 2654435761) % 1000) as f64 * 1e-5
    }

    /// The optimum, by enumerating all 5^6 architectures.
    fn optimum(&self) -> f64 {
        let mut choices = [0usize; PARAMS];
        (0..CHOICES.pow(PARAMS as u32))
            .map(|i| {
                let mut rest = i;
                for c in choices.iter_mut() {
                    *c = rest % CHOICES;
                    rest /= CHOICES;
                }
                self.score_of(&choices)
            })
            .fold(f64::MIN, f64::max)
    }
}

/// The test space: `PARAMS` categorical parameters `e0…` of `CHOICES` values `op0…`.
pub(crate) fn space() -> ParamSpace {
    let mut s = ParamSpace::new();
    for p in 0..PARAMS {
        let choices: Vec<String> = (0..CHOICES).map(|c| format!("op{c}")).collect();
        s.insert(
            format!("e{p}"),
            Categorical::new(choices.iter().map(String::as_str)).unwrap(),
        )
        .unwrap();
    }
    s
}

/// Runs `optim` for `budget` sequential evaluations; returns the best score.
fn run(optim: &mut dyn ArchOptim, table: &Table, budget: usize) -> f64 {
    let mut best = f64::MIN;
    for _ in 0..budget {
        let Some(arch) = optim.next(1).unwrap().pop() else {
            break;
        };
        let score = table.score(&arch);
        best = best.max(score);
        let metrics: MetricMap = [("acc".to_string(), score)].into_iter().collect();
        optim.step(&arch, &metrics).unwrap();
    }
    best
}

fn mean_regret(name: &str, args: &str, budget: usize) -> f64 {
    let args: toml::Table = toml::from_str(args).unwrap();
    let seeds = 20;
    let mut total = 0.0;
    for seed in 0..seeds {
        let table = Table::new(1000 + seed);
        let mut optim = build_optim(name, &space(), &args, seed).unwrap();
        total += table.optimum() - run(optim.as_mut(), &table, budget);
    }
    total / seeds as f64
}

#[test]
fn regularized_evolution_beats_random_search() {
    let budget = 150;
    let rs = mean_regret("RandomSearchOptim", "", budget);
    let re = mean_regret(
        "RegularizedEvolutionOptim",
        "population = 20\nsample_size = 5",
        budget,
    );
    println!("mean regret over 20 seeds, {budget} evaluations: RS {rs:.4}, RE {re:.4}");
    assert!(re < rs, "RE {re} vs RS {rs}");
}

#[test]
fn evolution_annealing_local_search_and_reinforce_beat_random_search() {
    let budget = 200;
    let rs = mean_regret("RandomSearchOptim", "", budget);
    for (name, args) in [
        (
            "EvolutionOptim",
            "population = 20\nselection = 5\nelimination = 10\nmutation_prob = 0.1",
        ),
        ("SimulatedAnnealingOptim", ""),
        ("LocalSearchOptim", ""),
        ("REINFORCEOptim", ""),
    ] {
        let r = mean_regret(name, args, budget);
        println!("{name}: {r:.4} (RS {rs:.4})");
        assert!(r < rs, "{name} {r} vs RS {rs}");
    }
}

fn mixed_space(with_float: bool) -> ParamSpace {
    let mut s = ParamSpace::new();
    s.insert("op", Categorical::new(["a", "b", "c"]).unwrap())
        .unwrap();
    s.insert("width", Numeric::int(1, 4).unwrap()).unwrap();
    if with_float {
        let lr = Numeric::float(1e-4, 1e-1).unwrap().log_scale().unwrap();
        s.insert("lr", lr).unwrap();
    }
    s
}

fn proposals(name: &str, seed: u64) -> Vec<ArchDesc> {
    let args: toml::Table = match name {
        "RegularizedEvolutionOptim" => toml::from_str("population = 5\nsample_size = 2").unwrap(),
        "ParetoEvolutionOptim" => {
            toml::from_str("population = 6\nobjectives = [{ metric = \"acc\" }]").unwrap()
        }
        "ModelBasedOptim" => toml::from_str("init_samples = 5\nannealing_steps = 30").unwrap(),
        "EvolutionOptim" => {
            toml::from_str("population = 6\nselection = 3\nmutation_prob = 0.3").unwrap()
        }
        _ => toml::Table::new(),
    };
    // REINFORCE's policy is over finite domains only.
    let with_float = name != "REINFORCEOptim";
    // (ModelBasedOptim encodes floats by their position in the range.)
    let mut space = mixed_space(with_float);
    let mut optim = build_optim(name, &space, &args, seed).unwrap();
    let mut out = vec![];
    for i in 0..40 {
        let Some(arch) = optim.next(1).unwrap().pop() else {
            break;
        };
        // Every proposal is a valid assignment of the whole space.
        space
            .apply(&arch)
            .unwrap_or_else(|e| panic!("{name} proposed an invalid arch: {e}"));
        assert_eq!(arch.len(), space.len(), "{name}: {}", arch.summary());
        let metrics: MetricMap = [("acc".to_string(), (i % 7) as f64)].into_iter().collect();
        optim.step(&arch, &metrics).unwrap();
        out.push(arch);
    }
    out
}

#[test]
fn every_optimizer_respects_the_space_and_is_deterministic() {
    let mut gradient = vec![];
    for name in optim_names() {
        // Gradient optimizers (DARTS and kin) refuse a space without tensor parameters.
        if let Err(OptimError::UnsupportedSpace { reason, .. }) =
            build_optim(name, &mixed_space(false), &toml::Table::new(), 0)
        {
            assert!(reason.contains("no tensor parameters"), "{name}: {reason}");
            gradient.push(name);
            continue;
        }
        let a = proposals(name, 5);
        assert!(!a.is_empty(), "{name} proposed nothing");
        assert_eq!(
            a,
            proposals(name, 5),
            "{name} is not deterministic for a seed"
        );
    }
    assert_eq!(
        gradient,
        [
            "BinaryGateOptim",
            "DARTSOptim",
            "DirectGradOptim",
            "DrNASOptim",
            "GDASOptim",
            "SNASOptim"
        ]
    );
}

#[test]
fn missing_metric_names_the_optimizer_and_the_metric() {
    let mut o = build_optim(
        "RegularizedEvolutionOptim",
        &space(),
        &toml::from_str("metric = \"val_acc\"").unwrap(),
        0,
    )
    .unwrap();
    let arch = o.next(1).unwrap().pop().unwrap();
    let err = o.step(&arch, &MetricMap::new()).unwrap_err().to_string();
    assert!(
        err.contains("RegularizedEvolutionOptim") && err.contains("val_acc"),
        "{err}"
    );
}

#[test]
fn bad_arguments_are_rejected() {
    for (name, args, part) in [
        (
            "RegularizedEvolutionOptim",
            "sample_size = 200",
            "sample_size",
        ),
        ("EvolutionOptim", "mutation_prob = 2.0", "mutation_prob"),
        ("EvolutionOptim", "elimination = 0", "elimination"),
        ("SimulatedAnnealingOptim", "cooling = 0.0", "cooling"),
        ("LocalSearchOptim", "steps = 3", "unknown field `steps`"),
        ("REINFORCEOptim", "lr = 0.0", "lr"),
        (
            "ModelBasedOptim",
            "model = \"svm\"",
            "unknown surrogate `svm`",
        ),
        (
            "ModelBasedOptim",
            "acquisition = \"ucb\"",
            "unknown variant `ucb`",
        ),
    ] {
        let err = build_optim(name, &space(), &toml::from_str(args).unwrap(), 0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(part), "{name} {args}: {err}");
    }
}

#[test]
fn reinforce_refuses_float_ranges() {
    let err = build_optim("REINFORCEOptim", &mixed_space(true), &toml::Table::new(), 0)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("`lr` is a float"), "{err}");
}

#[test]
fn reinforce_concentrates_on_the_rewarded_choice() {
    let mut s = ParamSpace::new();
    s.insert("op", Categorical::new(["bad", "good"]).unwrap())
        .unwrap();
    let mut o =
        modnas_optim::REINFORCEOptim::new(&s, toml::Table::new().try_into().unwrap(), 1).unwrap();
    for _ in 0..300 {
        let arch = o.next(1).unwrap().pop().unwrap();
        let r = if arch.get("op").unwrap().as_str() == Some("good") {
            1.0
        } else {
            0.0
        };
        o.step(&arch, &[("acc".to_string(), r)].into_iter().collect())
            .unwrap();
    }
    let p = &o.policy()[0].1;
    assert!(p[1] > 0.9, "{p:?}");
}

#[test]
fn model_based_search_beats_random_search() {
    let budget = 100;
    let rs = mean_regret("RandomSearchOptim", "", budget);
    for (model, acquisition) in [
        ("gbt", "annealing"),
        ("linear", "annealing"),
        ("linear", "random"),
    ] {
        let args = format!("model = {model:?}\nacquisition = {acquisition:?}\nannealing_steps = 100\ncandidates = 300");
        let r = mean_regret("ModelBasedOptim", &args, budget);
        println!("ModelBasedOptim {model}/{acquisition}: {r:.4} (RS {rs:.4})");
        assert!(r < rs, "{model}/{acquisition}: {r} vs RS {rs}");
    }
}

#[test]
fn model_based_search_with_an_mlp_surrogate_learns() {
    let args: toml::Table =
        toml::from_str("model = \"mlp\"\nrefit_every = 10\nannealing_steps = 100").unwrap();
    let (mut smbo, mut rs) = (0.0, 0.0);
    for seed in 0..3 {
        let table = Table::new(2000 + seed);
        let optimum = table.optimum();
        let mut o = build_optim("ModelBasedOptim", &space(), &args, seed).unwrap();
        smbo += optimum - run(o.as_mut(), &table, 60);
        let mut o = build_optim("RandomSearchOptim", &space(), &toml::Table::new(), seed).unwrap();
        rs += optimum - run(o.as_mut(), &table, 60);
    }
    println!(
        "ModelBasedOptim mlp: {:.4} (RS {:.4}), 3 seeds, 60 evaluations",
        smbo / 3.0,
        rs / 3.0
    );
    assert!(smbo < rs, "mlp {smbo} vs RS {rs}");
}

#[test]
fn pareto_front_is_non_dominated_feasible_and_holds_the_extremes() {
    use modnas_optim::{ParetoEvolutionArgs, ParetoEvolutionOptim};
    let acc = Table::new(11);
    let cost = Table::new(12);
    let args: ParetoEvolutionArgs = toml::from_str(
        r#"
        population = 20
        objectives = [{ metric = "acc", mode = "max" }, { metric = "cost", mode = "min" }]
        constraints = [{ metric = "cost", max = 4.0 }]
        "#,
    )
    .unwrap();
    let mut o = ParetoEvolutionOptim::new(&space(), args, 3).unwrap();
    let mut seen = vec![];
    for _ in 0..200 {
        let arch = o.next(1).unwrap().pop().unwrap();
        let (a, c) = (acc.score(&arch), cost.score(&arch));
        let metrics: MetricMap = [("acc".to_string(), a), ("cost".to_string(), c)]
            .into_iter()
            .collect();
        o.step(&arch, &metrics).unwrap();
        seen.push((a, c));
    }
    let front: Vec<(f64, f64)> = o
        .front()
        .iter()
        .map(|(_, m)| (m["acc"], m["cost"]))
        .collect();
    assert!(front.len() >= 2, "{front:?}");
    for (i, p) in front.iter().enumerate() {
        assert!(p.1 <= 4.0, "front point {p:?} violates the constraint");
        for (j, q) in front.iter().enumerate() {
            let dominates = q.0 >= p.0 && q.1 <= p.1 && (q.0 > p.0 || q.1 < p.1);
            assert!(i == j || !dominates, "{q:?} dominates {p:?}");
        }
    }
    let feasible: Vec<&(f64, f64)> = seen.iter().filter(|p| p.1 <= 4.0).collect();
    let best_acc = feasible.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let least_cost = feasible.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    assert!(
        front.iter().any(|p| p.0 == best_acc),
        "the most accurate feasible arch is on the front"
    );
    assert!(
        front.iter().any(|p| p.1 == least_cost),
        "the cheapest arch is on the front"
    );
    // Evolution moved the population: the front beats the first generation's.
    let first_gen_best = seen[..20]
        .iter()
        .filter(|p| p.1 <= 4.0)
        .map(|p| p.0)
        .fold(f64::MIN, f64::max);
    assert!(best_acc > first_gen_best);
}

#[test]
fn gp_bayes_beats_random_search_on_a_smooth_function() {
    let mut space = ParamSpace::new();
    space
        .insert("x", Numeric::float(0.0, 1.0).unwrap())
        .unwrap();
    space
        .insert("y", Numeric::float(0.0, 1.0).unwrap())
        .unwrap();
    let f = |a: &ArchDesc| {
        let (x, y) = (
            a.get("x").unwrap().as_f64().unwrap(),
            a.get("y").unwrap().as_f64().unwrap(),
        );
        -(x - 0.3).powi(2) - (y - 0.7).powi(2)
    };
    let best = |name: &str, seed: u64| {
        let args: toml::Table = if name == "GPBayesOptim" {
            toml::from_str("candidates = 300").unwrap()
        } else {
            toml::Table::new()
        };
        let mut o = build_optim(name, &space, &args, seed).unwrap();
        let mut best = f64::MIN;
        for _ in 0..20 {
            let a = o.next(1).unwrap().pop().unwrap();
            best = best.max(f(&a));
            o.step(&a, &[("acc".to_string(), f(&a))].into_iter().collect())
                .unwrap();
        }
        -best
    };
    let seeds = 10;
    let gp: f64 = (0..seeds).map(|s| best("GPBayesOptim", s)).sum::<f64>() / seeds as f64;
    let rs: f64 = (0..seeds)
        .map(|s| best("RandomSearchOptim", s))
        .sum::<f64>()
        / seeds as f64;
    println!("mean regret, 20 evaluations, 10 seeds: GP-EI {gp:.5}, RS {rs:.5}");
    assert!(gp < rs, "GP {gp} vs RS {rs}");
}
