//! The Pareto front of a multi-objective search (`ParetoEvolutionOptim`), drawn over every
//! successful trial: `pareto-<first>-<second>.svg` for the first two objectives; and the front
//! as CSV.

use crate::run::dir::{CONFIG_FILE, PARETO_FILE};
use crate::{run::read_journal, Config, ModnasError};
use modnas_core::MetricMap;
use modnas_param_space::ArchDesc;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// `front` as CSV, with the parameters and metrics of its first member as columns (fields
/// quoted where they hold a comma or a quote).
pub fn pareto_csv(front: &[(ArchDesc, MetricMap)]) -> String {
    let Some((arch0, metrics0)) = front.first() else {
        return String::new();
    };
    let field = |s: String| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let names: Vec<&String> = arch0.iter().map(|(k, _)| k).collect();
    let keys: Vec<&String> = metrics0.keys().collect();
    let header: Vec<String> = names
        .iter()
        .chain(&keys)
        .map(|k| field(k.to_string()))
        .collect();
    let mut out = header.join(",") + "\n";
    for (arch, metrics) in front {
        let row: Vec<String> = names
            .iter()
            .map(|n| {
                arch.get(n)
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .unwrap_or_default()
            })
            .chain(
                keys.iter()
                    .map(|k| metrics.get(*k).map(f64::to_string).unwrap_or_default()),
            )
            .map(field)
            .collect();
        out += &(row.join(",") + "\n");
    }
    out
}

/// The metric names of `optim.args.objectives`.
fn objectives(cfg: &Config) -> Vec<String> {
    cfg.optim
        .args
        .get("objectives")
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|o| o.get("metric").and_then(|m| m.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn point(metrics: &MetricMap, x: &str, y: &str) -> Option<(f64, f64)> {
    let (a, b) = (*metrics.get(x)?, *metrics.get(y)?);
    (a.is_finite() && b.is_finite()).then_some((a, b))
}

fn range(values: impl Iterator<Item = f64> + Clone) -> std::ops::Range<f64> {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 1e-3).max(1e-9);
    (lo - pad)..(hi + pad)
}

/// Draws the Pareto front of the run in `dir` over its trials, for the first two objectives
/// of its optimizer. `None` when the run has no front or fewer than two objectives.
pub fn plot_pareto(dir: &Path) -> Result<Option<PathBuf>, ModnasError> {
    let front_path = dir.join(PARETO_FILE);
    if !front_path.exists() {
        return Ok(None);
    }
    let cfg = Config::from_file(dir.join(CONFIG_FILE), &[])?;
    let [x, y] = match objectives(&cfg).as_slice() {
        [x, y, ..] => [x.clone(), y.clone()],
        _ => return Ok(None),
    };
    let text = std::fs::read_to_string(&front_path).map_err(|e| ModnasError::io(&front_path, e))?;
    let mut front = vec![];
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| ModnasError::plot(&front_path, format!("line {}: {e}", i + 1)))?;
        let metrics: MetricMap = serde_json::from_value(v["metrics"].clone())
            .map_err(|e| ModnasError::plot(&front_path, format!("line {}: {e}", i + 1)))?;
        front.extend(point(&metrics, &x, &y));
    }
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    let trials: Vec<(f64, f64)> = read_journal(dir)?
        .iter()
        .filter(|t| t.error.is_none())
        .filter_map(|t| point(&t.metrics, &x, &y))
        .collect();
    let out = dir.join(format!("pareto-{x}-{y}.svg"));
    if trials.is_empty() && front.is_empty() {
        return Err(ModnasError::plot(
            &out,
            format!("no trial has both `{x}` and `{y}`"),
        ));
    }
    draw_front(&out, (&x, &y), &trials, &front)?;
    Ok(Some(out))
}

fn draw_front(
    out: &Path,
    (x, y): (&str, &str),
    trials: &[(f64, f64)],
    front: &[(f64, f64)],
) -> Result<(), ModnasError> {
    let all = || trials.iter().chain(front);
    let root = SVGBackend::new(out, (640, 480)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(out, e);
    root.fill(&WHITE).map_err(draw)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Pareto front: {x} vs {y}"), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(range(all().map(|p| p.0)), range(all().map(|p| p.1)))
        .map_err(draw)?;
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .draw()
        .map_err(draw)?;
    chart
        .draw_series(
            trials
                .iter()
                .map(|&p| Circle::new(p, 3, BLACK.mix(0.3).filled())),
        )
        .map_err(draw)?
        .label("trials")
        .legend(|p| Circle::new(p, 3, BLACK.mix(0.3).filled()));
    chart
        .draw_series(LineSeries::new(front.iter().copied(), RED.stroke_width(1)))
        .map_err(draw)?;
    chart
        .draw_series(front.iter().map(|&p| Circle::new(p, 4, RED.filled())))
        .map_err(draw)?
        .label("front")
        .legend(|p| Circle::new(p, 4, RED.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(draw)?;
    root.present().map_err(draw)
}
