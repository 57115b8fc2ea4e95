//! `GridSearchOptim`: every point of the grid, in order.

use crate::{register_optim, ArchOptim, DiscreteSpace, OptimError};
use modnas_core::MetricMap;
use modnas_param_space::{ArchDesc, ParamSpace, ParamValue};
use serde::Deserialize;

/// Arguments of [`GridSearchOptim`].
#[modnas_core::nas_config]
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GridSearchArgs {
    /// Grid points per float (or large integer) range.
    #[config(default = 5)]
    pub points: usize,
}

/// Exhaustive grid search: categorical choices and small integer ranges are enumerated, float
/// ranges are sampled at `points` evenly spaced values (log-spaced on a log scale).
pub struct GridSearchOptim {
    names: Vec<String>,
    axes: Vec<Vec<ParamValue>>,
    cursor: u128,
    total: u128,
}

impl GridSearchOptim {
    /// A grid over `space` with `points` values per continuous range.
    pub fn new(space: &ParamSpace, points: usize) -> Result<Self, OptimError> {
        if points == 0 {
            return Err(OptimError::InvalidArgs {
                optim: "GridSearchOptim".into(),
                reason: "`points` must be at least 1".into(),
            });
        }
        let discrete = DiscreteSpace::from_space(space);
        let names = discrete.params().iter().map(|(n, _)| n.clone()).collect();
        let axes: Vec<Vec<ParamValue>> = discrete
            .params()
            .iter()
            .map(|(_, d)| d.grid(points))
            .collect();
        let total = axes
            .iter()
            .try_fold(1u128, |acc, a| acc.checked_mul(a.len() as u128))
            .ok_or_else(|| OptimError::UnsupportedSpace {
                optim: "GridSearchOptim".into(),
                reason: "the grid has more than 2^128 points".into(),
            })?;
        Ok(Self {
            names,
            axes,
            cursor: 0,
            total,
        })
    }

    /// Number of grid points.
    pub fn total(&self) -> u128 {
        self.total
    }

    fn point(&self, mut index: u128) -> ArchDesc {
        let mut values = Vec::with_capacity(self.axes.len());
        for (name, axis) in self.names.iter().zip(&self.axes).rev() {
            let len = axis.len() as u128;
            values.push((name.clone(), axis[(index % len) as usize].clone()));
            index /= len;
        }
        values.into_iter().rev().collect()
    }
}

impl ArchOptim for GridSearchOptim {
    fn next(&mut self, n: usize) -> Result<Vec<ArchDesc>, OptimError> {
        let end = (self.cursor + n as u128).min(self.total);
        let archs = (self.cursor..end).map(|i| self.point(i)).collect();
        self.cursor = end;
        Ok(archs)
    }

    fn step(&mut self, _: &ArchDesc, _: &MetricMap) -> Result<(), OptimError> {
        Ok(())
    }
}

register_optim!(
    /// every architecture of a finite space, in order
    "GridSearchOptim", |space, args: GridSearchArgs, _| GridSearchOptim::new(space, args.points)
);

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_param_space::{Categorical, Numeric};

    #[test]
    fn grid_enumerates_in_order_then_stops() {
        let mut s = ParamSpace::new();
        s.insert("a", Categorical::new(["x", "y"]).unwrap())
            .unwrap();
        s.insert("lr", Numeric::float(0.0, 1.0).unwrap()).unwrap();
        let mut g = GridSearchOptim::new(&s, 3).unwrap();
        assert_eq!(g.total(), 6);
        let first = g.next(4).unwrap();
        assert_eq!(first[0].summary(), "a=\"x\", lr=0");
        assert_eq!(first[1].summary(), "a=\"x\", lr=0.5");
        assert_eq!(first[3].summary(), "a=\"y\", lr=0");
        assert_eq!(g.next(4).unwrap().len(), 2);
        assert!(g.next(1).unwrap().is_empty());
    }

    #[test]
    fn zero_points_is_an_error() {
        let s = ParamSpace::new();
        assert!(GridSearchOptim::new(&s, 0).is_err());
    }
}
