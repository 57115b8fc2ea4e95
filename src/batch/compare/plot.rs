//! The comparison's pictures: the best objective so far against evaluation time for every run
//! (`compare-curves.svg`), and the efficiency of each space × optimizer as a heat map
//! (`compare-efficiency.svg`).

use super::run::RunRecord;
use super::table::CompareRow;
use crate::{run::RunReport, ModnasError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Draws every run's best-so-far curve (from its journal under `out`) into
/// `out/compare-curves.svg`, one colour per space × optimizer.
pub fn plot_compare_curves(out: &Path, records: &[RunRecord]) -> Result<PathBuf, ModnasError> {
    let path = out.join("compare-curves.svg");
    let mut combos: Vec<(String, String)> = vec![];
    let mut curves = vec![];
    for r in records {
        let dir = out
            .join(&r.space)
            .join(&r.optim)
            .join(format!("seed-{}", r.seed));
        let points = RunReport::load(&dir)?.best_so_far();
        let key = (r.space.clone(), r.optim.clone());
        let colour = combos.iter().position(|c| *c == key).unwrap_or_else(|| {
            combos.push(key);
            combos.len() - 1
        });
        if !points.is_empty() {
            curves.push((colour, points));
        }
    }
    if curves.is_empty() {
        return Err(ModnasError::plot(&path, "no run has a successful trial"));
    }
    let all = curves.iter().flat_map(|(_, p)| p.iter());
    let x_max = all.clone().map(|p| p.1).fold(1e-3, f64::max);
    let lo = all.clone().map(|p| p.2).fold(f64::INFINITY, f64::min);
    let hi = all.map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let objective = records
        .first()
        .map_or("objective", |r| r.objective.as_str());
    let target = path.clone();
    let root = SVGBackend::new(&target, (800, 520)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(&path, e);
    root.fill(&WHITE).map_err(draw)?;
    let axes = (objective, "evaluation seconds");
    let y = (lo - pad)..(hi + pad);
    let mut chart = crate::viz::best_so_far_axes(&root, axes, x_max, y, &path)?;
    for (k, (space, optim)) in combos.iter().enumerate() {
        let colour = Palette99::pick(k).to_rgba();
        let mut first = true;
        for (_, points) in curves.iter().filter(|(c, _)| *c == k) {
            let line = points.iter().map(|p| (p.1, p.2));
            let series = chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))
                .map_err(draw)?;
            if std::mem::take(&mut first) {
                series
                    .label(format!("{space} × {optim}"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(draw)?;
    drop(chart);
    root.present().map_err(draw)?;
    drop(root);
    Ok(path)
}

/// Draws the efficiency of every space × optimizer as a heat map into
/// `out/compare-efficiency.svg`: rows are spaces, columns optimizers, darker is more
/// efficient.
pub fn plot_efficiency(out: &Path, rows: &[CompareRow]) -> Result<PathBuf, ModnasError> {
    let path = out.join("compare-efficiency.svg");
    let mut spaces: Vec<&str> = vec![];
    let mut optims: Vec<&str> = vec![];
    for r in rows {
        if !spaces.contains(&r.space.as_str()) {
            spaces.push(&r.space);
        }
        if !optims.contains(&r.optim.as_str()) {
            optims.push(&r.optim);
        }
    }
    let values: Vec<f64> = rows.iter().filter_map(CompareRow::efficiency).collect();
    let top = values.iter().cloned().fold(0.0, f64::max).max(1e-12);
    let (cell_w, cell_h, left, head) = (150i32, 60i32, 140i32, 60i32);
    let width = (left + cell_w * optims.len() as i32 + 20) as u32;
    let height = (head + cell_h * spaces.len() as i32 + 20) as u32;
    let target = path.clone();
    let root = SVGBackend::new(&target, (width, height)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(&path, e);
    root.fill(&WHITE).map_err(draw)?;
    let font = |size: i32| {
        ("sans-serif", size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center))
    };
    root.draw(&Text::new(
        "accuracy gain per compute hour",
        (width as i32 / 2, 14),
        font(15),
    ))
    .map_err(draw)?;
    for (j, o) in optims.iter().enumerate() {
        let x = left + cell_w * j as i32 + cell_w / 2;
        root.draw(&Text::new(o.to_string(), (x, head - 14), font(13)))
            .map_err(draw)?;
    }
    for (i, s) in spaces.iter().enumerate() {
        let y0 = head + cell_h * i as i32;
        root.draw(&Text::new(
            s.to_string(),
            (left / 2, y0 + cell_h / 2),
            font(13),
        ))
        .map_err(draw)?;
        for (j, o) in optims.iter().enumerate() {
            let x0 = left + cell_w * j as i32;
            let e = rows
                .iter()
                .find(|r| r.space == *s && r.optim == *o)
                .and_then(CompareRow::efficiency);
            let shade = e.map_or(0.0, |v| (v / top).clamp(0.0, 1.0));
            let fill = RGBColor(
                (255.0 - 200.0 * shade) as u8,
                (255.0 - 120.0 * shade) as u8,
                255,
            );
            let corners = [(x0, y0), (x0 + cell_w, y0 + cell_h)];
            root.draw(&Rectangle::new(corners, fill.filled()))
                .and_then(|_| root.draw(&Rectangle::new(corners, BLACK.stroke_width(1))))
                .map_err(draw)?;
            let label = e.map_or("-".to_string(), |v| format!("{v:.2}"));
            root.draw(&Text::new(
                label,
                (x0 + cell_w / 2, y0 + cell_h / 2),
                font(14),
            ))
            .map_err(draw)?;
        }
    }
    root.present().map_err(draw)?;
    drop(root);
    Ok(path)
}
