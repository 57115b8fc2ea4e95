//! The α trajectory of one parameter of a supernet search (paper, Figure 14): the softmax
//! weight of each candidate per epoch, read from a run's `alphas.jsonl`, drawn as SVG.

use crate::ModnasError;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One parameter's weights per epoch: candidate names and, per epoch, one weight each.
struct Trajectory {
    candidates: Vec<String>,
    epochs: Vec<(usize, Vec<f64>)>,
}

/// Reads the trajectory of `param` (the first parameter when `None`) from `alphas.jsonl`.
fn read(path: &Path, param: Option<&str>) -> Result<(String, Trajectory), ModnasError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModnasError::plot(path, e))?;
    let mut chosen: Option<String> = param.map(str::to_string);
    let mut t = Trajectory {
        candidates: vec![],
        epochs: vec![],
    };
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| ModnasError::plot(path, format!("line {}: {e}", i + 1)))?;
        let params = v["params"].as_object().ok_or_else(|| {
            ModnasError::plot(path, format!("line {}: no `params` object", i + 1))
        })?;
        let name = chosen
            .get_or_insert_with(|| params.keys().next().cloned().unwrap_or_default())
            .clone();
        let row = params
            .get(&name)
            .and_then(|v| v.as_object())
            .ok_or_else(|| {
                let known: Vec<&str> = params.keys().map(String::as_str).collect();
                ModnasError::plot(
                    path,
                    format!("unknown parameter `{name}`; known: [{}]", known.join(", ")),
                )
            })?;
        if t.candidates.is_empty() {
            t.candidates = row.keys().cloned().collect();
        }
        let weights = t
            .candidates
            .iter()
            .map(|c| row.get(c).and_then(|w| w.as_f64()).unwrap_or(f64::NAN))
            .collect();
        let epoch = v["epoch"].as_u64().unwrap_or(i as u64) as usize;
        t.epochs.push((epoch, weights));
    }
    match chosen {
        Some(name) if !t.epochs.is_empty() => Ok((name, t)),
        _ => Err(ModnasError::plot(path, "no epochs recorded")),
    }
}

/// Draws the α trajectory of `param` (default: the first parameter) of the run in `run_dir`
/// into `run_dir/alphas-<param>.svg` and returns that path.
pub fn plot_alphas(run_dir: &Path, param: Option<&str>) -> Result<PathBuf, ModnasError> {
    let src = run_dir.join(crate::run::ALPHAS_FILE);
    let (name, t) = read(&src, param)?;
    let out = run_dir.join(format!("alphas-{name}.svg"));
    let last = t.epochs.last().map_or(0, |e| e.0).max(1);
    let top = t
        .epochs
        .iter()
        .flat_map(|e| e.1.iter().copied())
        .filter(|w| w.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-3)
        * 1.1;
    draw_svg(&out, &name, &t, last, top)?;
    Ok(out)
}

fn draw_svg(
    out: &Path,
    name: &str,
    t: &Trajectory,
    last: usize,
    top: f64,
) -> Result<(), ModnasError> {
    let root = SVGBackend::new(out, (720, 440)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| ModnasError::draw(out, e);
    root.fill(&WHITE).map_err(draw)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("softmax(α) of {name}"), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..last as f64, 0f64..top)
        .map_err(draw)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("weight")
        .draw()
        .map_err(draw)?;
    for (i, cand) in t.candidates.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points = t.epochs.iter().map(|(e, w)| (*e as f64, w[i]));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(draw)?
            .label(cand.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(draw)?;
    root.present().map_err(draw)
}
