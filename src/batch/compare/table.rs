//! The comparison table: one row per space × optimizer, averaged over seeds, with the
//! efficiency of each (see [`CompareRow::efficiency`]).

use super::run::RunRecord;
use indexmap::IndexMap;
use std::fmt::Write;

/// A space × optimizer over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    /// Space name.
    pub space: String,
    /// Optimizer name.
    pub optim: String,
    /// Runs (seeds) recorded.
    pub runs: usize,
    /// Mean best objective over the runs that found one.
    pub best: Option<f64>,
    /// Standard deviation of the best objective over those runs.
    pub best_std: f64,
    /// Mean wall-clock seconds per run.
    pub wall_seconds: f64,
    /// Mean evaluation seconds per run.
    pub eval_seconds: f64,
    /// Mean epochs trained per run (0 where trials report no epochs).
    pub epochs: f64,
    /// The space's baseline.
    pub baseline: f64,
    /// Mean objective of the retrained best architectures (the `augment` stage), if any ran.
    pub augment: Option<f64>,
    /// Mean wall-clock seconds of the augment stage per run.
    pub augment_seconds: f64,
}

impl CompareRow {
    /// Accuracy gained over the baseline per hour of wall-clock compute, for a maximised
    /// objective: `(acc − baseline) / (seconds / 3600)`. With an augment stage, `acc` is the
    /// retrained architecture's and `seconds` counts the search and the retraining; without
    /// one, the search's best and its time.
    pub fn efficiency(&self) -> Option<f64> {
        let (acc, seconds) = match self.augment {
            Some(a) => (a, self.wall_seconds + self.augment_seconds),
            None => (self.best?, self.wall_seconds),
        };
        (seconds > 0.0).then(|| (acc - self.baseline) / (seconds / 3600.0))
    }
}

/// The rows of `records`, in first-seen order of space and optimizer.
pub fn compare_rows(records: &[RunRecord]) -> Vec<CompareRow> {
    let mut groups: IndexMap<(String, String), Vec<&RunRecord>> = IndexMap::new();
    for r in records {
        groups
            .entry((r.space.clone(), r.optim.clone()))
            .or_default()
            .push(r);
    }
    groups
        .into_iter()
        .map(|((space, optim), rs)| {
            let n = rs.len() as f64;
            let bests: Vec<f64> = rs.iter().filter_map(|r| r.best).collect();
            let best = (!bests.is_empty()).then(|| bests.iter().sum::<f64>() / bests.len() as f64);
            let best_std = best.map_or(0.0, |m| {
                (bests.iter().map(|b| (b - m).powi(2)).sum::<f64>() / bests.len() as f64).sqrt()
            });
            CompareRow {
                space,
                optim,
                runs: rs.len(),
                best,
                best_std,
                wall_seconds: rs.iter().map(|r| r.wall_seconds).sum::<f64>() / n,
                eval_seconds: rs.iter().map(|r| r.eval_seconds).sum::<f64>() / n,
                epochs: rs.iter().map(|r| r.epochs).sum::<f64>() / n,
                baseline: rs[0].baseline,
                augment: mean(rs.iter().filter_map(|r| r.augment)),
                augment_seconds: rs.iter().map(|r| r.augment_seconds).sum::<f64>() / n,
            }
        })
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.6}"))
}

/// The rows as CSV.
pub fn compare_csv(rows: &[CompareRow]) -> String {
    let mut s = String::from(
        "space,optimizer,runs,best,best_std,wall_seconds,eval_seconds,epochs,baseline,efficiency_per_hour,augment,augment_seconds\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.6},{:.3},{:.3},{:.1},{:.6},{},{},{:.3}",
            r.space,
            r.optim,
            r.runs,
            opt(r.best),
            r.best_std,
            r.wall_seconds,
            r.eval_seconds,
            r.epochs,
            r.baseline,
            opt(r.efficiency()),
            opt(r.augment),
            r.augment_seconds
        );
    }
    s
}

/// The rows as an aligned text table.
pub fn render_compare(rows: &[CompareRow], objective: &str) -> String {
    let mut s = format!(
        "{:<16} {:<16} {:>4} {:>10} {:>8} {:>9} {:>9} {:>8} {:>12} {:>9}\n",
        "space",
        "optimizer",
        "runs",
        objective,
        "± std",
        "wall s",
        "eval s",
        "epochs",
        "gain/hour",
        "augment"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<16} {:<16} {:>4} {:>10} {:>8.4} {:>9.1} {:>9.1} {:>8} {:>12} {:>9}",
            r.space,
            r.optim,
            r.runs,
            r.best.map_or("-".into(), |b| format!("{b:.4}")),
            r.best_std,
            r.wall_seconds,
            r.eval_seconds,
            if r.epochs > 0.0 {
                format!("{:.0}", r.epochs)
            } else {
                "-".into()
            },
            r.efficiency().map_or("-".into(), |e| format!("{e:.2}")),
            r.augment.map_or("-".into(), |a| format!("{a:.4}")),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(space: &str, seed: u64, best: Option<f64>, wall: f64) -> RunRecord {
        RunRecord {
            space: space.into(),
            optim: "o".into(),
            seed,
            objective: "acc".into(),
            best,
            baseline: 0.1,
            wall_seconds: wall,
            eval_seconds: wall / 2.0,
            epochs: 6.0,
            trials: 3,
            failed: 0,
            augment: None,
            augment_seconds: 0.0,
        }
    }

    #[test]
    fn rows_average_seeds_and_measure_gain_per_hour() {
        let rows = compare_rows(&[
            record("a", 0, Some(0.5), 1800.0),
            record("a", 1, Some(0.7), 1800.0),
            record("b", 0, None, 10.0),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].epochs, 6.0, "epochs per run, averaged");
        assert_eq!((rows[0].runs, rows[0].best), (2, Some(0.6)));
        assert!((rows[0].best_std - 0.1).abs() < 1e-12);
        // (0.6 − 0.1) gained in half an hour.
        assert!((rows[0].efficiency().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(rows[1].efficiency(), None);
        // With an augment stage, the retrained accuracy over search plus retraining time.
        let mut staged = record("c", 0, Some(0.5), 900.0);
        (staged.augment, staged.augment_seconds) = (Some(0.9), 900.0);
        let row = &compare_rows(&[staged])[0];
        assert!((row.efficiency().unwrap() - 1.6).abs() < 1e-12);
        let csv = compare_csv(&rows);
        assert_eq!(csv.lines().count(), 3);
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("a,o,2,0.600000,0.100000,1800.000"));
        assert!(
            csv.lines().nth(2).unwrap().ends_with(",0.100000,,,0.000"),
            "{csv}"
        );
    }
}
