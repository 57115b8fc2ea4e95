//! Pareto machinery for multi-objective search: dominance, non-dominated sorting and crowding
//! distance (NSGA-II), with constraint domination.

use crate::{Direction, OptimError};
use modnas_core::MetricMap;
use serde::Deserialize;

/// One objective of a multi-objective search.
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// Metric key.
    pub metric: String,
    /// `"max"` (default) or `"min"`.
    #[serde(default)]
    pub mode: Direction,
}

/// A hard constraint on a metric: `min <= value <= max`.
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    /// Metric key.
    pub metric: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
}

/// An evaluated point: objective values as "higher is better" and total constraint violation.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Signed objective values (negated for minimised metrics).
    pub values: Vec<f64>,
    /// Sum of the constraint violations (0 when feasible).
    pub violation: f64,
}

impl Point {
    /// Reads the objectives and constraints from `metrics`.
    pub fn from_metrics(
        optim: &str,
        metrics: &MetricMap,
        objectives: &[ObjectiveSpec],
        constraints: &[ConstraintSpec],
    ) -> Result<Self, OptimError> {
        let get = |key: &str| -> Result<f64, OptimError> {
            metrics
                .get(key)
                .copied()
                .ok_or_else(|| OptimError::MissingMetric {
                    optim: optim.to_string(),
                    metric: key.to_string(),
                    available: metrics.keys().cloned().collect::<Vec<_>>().join(", "),
                })
        };
        let mut values = Vec::with_capacity(objectives.len());
        for o in objectives {
            let v = get(&o.metric)?;
            let v = if o.mode == Direction::Max { v } else { -v };
            values.push(if v.is_nan() { f64::NEG_INFINITY } else { v });
        }
        let mut violation = 0.0;
        for c in constraints {
            let v = get(&c.metric)?;
            violation +=
                c.min.map_or(0.0, |m| (m - v).max(0.0)) + c.max.map_or(0.0, |m| (v - m).max(0.0));
        }
        Ok(Self { values, violation })
    }

    /// Constraint domination: a feasible point beats an infeasible one, the smaller violation
    /// wins between infeasible ones, and Pareto dominance decides between feasible ones.
    pub fn dominates(&self, other: &Point) -> bool {
        match (self.violation > 0.0, other.violation > 0.0) {
            (false, true) => true,
            (true, false) => false,
            (true, true) => self.violation < other.violation,
            (false, false) => {
                self.values.iter().zip(&other.values).all(|(a, b)| a >= b)
                    && self.values.iter().zip(&other.values).any(|(a, b)| a > b)
            }
        }
    }
}

/// Non-dominated sorting: the fronts, best first, as indices into `points`.
pub fn non_dominated_fronts(points: &[Point]) -> Vec<Vec<usize>> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates: Vec<Vec<usize>> = vec![vec![]; n];
    for i in 0..n {
        for j in 0..n {
            if i != j && points[i].dominates(&points[j]) {
                dominates[i].push(j);
                dominated_by[j] += 1;
            }
        }
    }
    let mut fronts = vec![];
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    while !current.is_empty() {
        let mut next = vec![];
        for &i in &current {
            for &j in &dominates[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        fronts.push(current);
        current = next;
    }
    fronts
}

/// Crowding distance of each member of `front` (infinite at the extremes of each objective).
pub fn crowding_distance(points: &[Point], front: &[usize]) -> Vec<f64> {
    let mut dist = vec![0.0; front.len()];
    let Some(first) = front.first() else {
        return dist;
    };
    for k in 0..points[*first].values.len() {
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| points[front[a]].values[k].total_cmp(&points[front[b]].values[k]));
        let lo = points[front[order[0]]].values[k];
        let hi = points[front[order[order.len() - 1]]].values[k];
        dist[order[0]] = f64::INFINITY;
        dist[order[order.len() - 1]] = f64::INFINITY;
        if hi > lo {
            for w in 1..order.len().saturating_sub(1) {
                let gap =
                    points[front[order[w + 1]]].values[k] - points[front[order[w - 1]]].values[k];
                dist[order[w]] += gap / (hi - lo);
            }
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(values: &[f64], violation: f64) -> Point {
        Point {
            values: values.to_vec(),
            violation,
        }
    }

    #[test]
    fn fronts_follow_dominance_and_constraints() {
        let pts = vec![
            p(&[1.0, 0.0], 0.0),
            p(&[0.0, 1.0], 0.0),
            p(&[0.5, 0.5], 0.0),
            p(&[0.4, 0.4], 0.0),
            p(&[9.0, 9.0], 1.0),
        ];
        let fronts = non_dominated_fronts(&pts);
        assert_eq!(fronts[0], [0, 1, 2]);
        assert_eq!(fronts[1], [3]);
        assert_eq!(
            fronts[2],
            [4],
            "an infeasible point ranks after every feasible one"
        );
        let d = crowding_distance(&pts, &fronts[0]);
        assert!(d[0].is_infinite() && d[1].is_infinite() && d[2].is_finite());
    }
}
