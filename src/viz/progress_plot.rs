//! The best-so-far objective of a run against the trial index, against the cumulative
//! evaluation time and, when its trials report epochs, against the epochs trained
//! (`progress-<objective>.svg`).

use crate::{run::ProgressCurve, run::RunReport, ModnasError};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A best-so-far chart on `area`: `x_desc` from 0 to `x_max` against the objective `key` over
/// `y`, captioned and with its mesh drawn. Errors name `path`.
pub(crate) fn best_so_far_axes<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    (key, x_desc): (&str, &str),
    x_max: f64,
    y: Range<f64>,
    path: &Path,
) -> Result<
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    ModnasError,
> {
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(path, e);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("best {key} so far"), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max, y)
        .map_err(draw)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(key)
        .draw()
        .map_err(draw)?;
    Ok(chart)
}

/// Draws the best-so-far objective of the run in `dir` against the trial index and against
/// the cumulative evaluation time into `dir/progress-<objective>.svg`; returns that path.
pub fn plot_progress(dir: &Path) -> Result<PathBuf, ModnasError> {
    let report = RunReport::load(dir)?;
    let mut curve = ProgressCurve::new(&report.objective.0, report.objective.1);
    report.trials.iter().for_each(|t| curve.push(t));
    plot_curve(dir, &curve)
}

/// Draws `curve` into `dir/progress-<objective>.svg` (see [`plot_progress`]).
pub fn plot_curve(dir: &Path, curve: &ProgressCurve) -> Result<PathBuf, ModnasError> {
    let key = &curve.key;
    let out = dir.join(format!("progress-{key}.svg"));
    // (trial, seconds, epochs, best) per point.
    let points: Vec<[f64; 4]> = curve
        .points
        .iter()
        .zip(&curve.epochs_at)
        .map(|(&(i, s, b), &e)| [i as f64, s, e, b])
        .collect();
    if points.is_empty() {
        return Err(ModnasError::plot(&out, "no successful trial recorded"));
    }
    // The curve is a staircase: its corners (each improvement) and the last point draw it
    // whole, where a point per trial would make a long search's SVG huge.
    let corners: Vec<[f64; 4]> = points
        .iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || *i + 1 == points.len() || c[3] != points[i - 1][3])
        .flat_map(|(i, c)| {
            let before = (i > 0).then(|| [c[0], c[1], c[2], points[i - 1][3]]);
            before.into_iter().chain([*c])
        })
        .collect();
    draw_progress(&out, key, &corners)?;
    Ok(out)
}

fn draw_progress(out: &Path, key: &str, curve: &[[f64; 4]]) -> Result<(), ModnasError> {
    let lo = curve.iter().map(|c| c[3]).fold(f64::INFINITY, f64::min);
    let hi = curve.iter().map(|c| c[3]).fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.1).max(1e-3);
    let last = curve.last().copied().unwrap_or([1.0; 4]);
    // The epochs panel only where trials reported epochs.
    let mut axes = vec![("trial", 0), ("evaluation seconds", 1)];
    if last[2] > 0.0 {
        axes.push(("epochs trained", 2));
    }
    let root = SVGBackend::new(out, (480 * axes.len() as u32, 400)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(out, e);
    root.fill(&WHITE).map_err(draw)?;
    let panels = root.split_evenly((1, axes.len()));
    for (area, (x_desc, x)) in panels.iter().zip(axes) {
        let y = (lo - pad)..(hi + pad);
        let mut chart = best_so_far_axes(area, (key, x_desc), last[x].max(1e-3), y, out)?;
        let points = curve.iter().map(|c| (c[x], c[3]));
        chart
            .draw_series(LineSeries::new(points, BLUE.stroke_width(2)))
            .map_err(draw)?;
    }
    root.present().map_err(draw)
}
