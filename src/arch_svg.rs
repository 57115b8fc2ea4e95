//! Drawing an [`ArchGraph`] as SVG: nodes left to right, edges between neighbours straight,
//! longer edges as arcs alternately above and below, each labelled with its operation.

use crate::{arch_graphs, ArchGraph, ModnasError};
use modnas_param_space::ArchDesc;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

const NODE_H: i32 = 36;
const MARGIN: i32 = 60;
const ARC_STEP: f64 = 34.0;

fn draw_error(path: &Path, e: impl std::fmt::Display) -> ModnasError {
    ModnasError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// A point of the quadratic Bézier curve from `a` over `c` to `b` at `t`.
fn bezier(a: (f64, f64), c: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (
        u * u * a.0 + 2.0 * u * t * c.0 + t * t * b.0,
        u * u * a.1 + 2.0 * u * t * c.1 + t * t * b.1,
    )
}

fn px(p: (f64, f64)) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

impl ArchGraph {
    fn node_width(label: &str) -> i32 {
        let chars = label.lines().map(|l| l.chars().count()).max().unwrap_or(1);
        (chars as i32 * 8 + 20).max(56)
    }

    /// Draws the graph into the SVG file `path`.
    pub fn draw_svg(&self, path: &Path) -> Result<(), ModnasError> {
        let widest = self
            .nodes
            .iter()
            .map(|n| Self::node_width(n))
            .max()
            .unwrap_or(56);
        let gap = (widest + 70).max(130);
        let span = self
            .edges
            .iter()
            .map(|e| e.to.abs_diff(e.from))
            .max()
            .unwrap_or(1) as f64;
        let reach = (ARC_STEP * span / 2.0).ceil() as i32 + 30;
        let width = 2 * MARGIN + gap * (self.nodes.len().saturating_sub(1) as i32);
        let height = 2 * reach + NODE_H + 60;
        let mid = f64::from(height / 2);
        let x_of = |i: usize| f64::from(MARGIN + gap * i as i32);
        let root = SVGBackend::new(path, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(path, e))?;
        let font = |size: i32| {
            ("sans-serif", size)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        root.draw(&Text::new(self.name.clone(), (MARGIN / 2, 16), font(14)))
            .map_err(|e| draw_error(path, e))?;
        let palette = [&BLUE, &RED, &GREEN, &MAGENTA, &CYAN, &BLACK];
        let mut arcs = 0;
        for (k, e) in self.edges.iter().enumerate() {
            let (a, b) = ((x_of(e.from), mid), (x_of(e.to), mid));
            let steps = e.to.abs_diff(e.from) as f64;
            // Arcs alternate above and below the line of nodes.
            let side = if arcs % 2 == 0 { -1.0 } else { 1.0 };
            arcs += usize::from(steps > 1.0);
            let lift = if steps <= 1.0 {
                0.0
            } else {
                side * ARC_STEP * steps
            };
            let c = ((a.0 + b.0) / 2.0, mid + lift);
            let color = if e.op.is_empty() {
                &BLACK
            } else {
                palette[k % palette.len()]
            };
            let points: Vec<(i32, i32)> = (0..=24)
                .map(|i| px(bezier(a, c, b, f64::from(i) / 24.0)))
                .collect();
            root.draw(&PathElement::new(points, color.stroke_width(2)))
                .map_err(|e| draw_error(path, e))?;
            // The arrow head sits where the curve meets the target's box.
            let half = f64::from(Self::node_width(&self.nodes[e.to]) / 2);
            let t_end = 1.0 - (half / (b.0 - a.0).abs().max(1.0)).min(0.5);
            let tip = bezier(a, c, b, t_end);
            let back = bezier(a, c, b, t_end - 0.04);
            let (dx, dy) = (tip.0 - back.0, tip.1 - back.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / len * 10.0, dy / len * 10.0);
            let head = vec![
                px(tip),
                px((tip.0 - ux - uy * 0.5, tip.1 - uy + ux * 0.5)),
                px((tip.0 - ux + uy * 0.5, tip.1 - uy - ux * 0.5)),
            ];
            root.draw(&Polygon::new(head, color.filled()))
                .map_err(|e| draw_error(path, e))?;
            if !e.op.is_empty() {
                let at = bezier(a, c, b, 0.5);
                let label_y = if steps <= 1.0 {
                    at.1 - 12.0
                } else {
                    at.1 + side * 10.0
                };
                root.draw(&Text::new(
                    e.op.clone(),
                    px((at.0, label_y)),
                    font(12).color(color),
                ))
                .map_err(|e| draw_error(path, e))?;
            }
        }
        for (i, label) in self.nodes.iter().enumerate() {
            let (x, w) = (x_of(i) as i32, Self::node_width(label));
            let (y0, y1) = (mid as i32 - NODE_H / 2, mid as i32 + NODE_H / 2);
            root.draw(&Rectangle::new(
                [(x - w / 2, y0), (x + w / 2, y1)],
                WHITE.filled(),
            ))
            .and_then(|_| {
                root.draw(&Rectangle::new(
                    [(x - w / 2, y0), (x + w / 2, y1)],
                    BLACK.stroke_width(1),
                ))
            })
            .map_err(|e| draw_error(path, e))?;
            let lines: Vec<&str> = label.lines().collect();
            for (j, line) in lines.iter().enumerate() {
                let dy = (j as i32 * 2 + 1 - lines.len() as i32) * 7;
                root.draw(&Text::new(line.to_string(), (x, mid as i32 + dy), font(12)))
                    .map_err(|e| draw_error(path, e))?;
            }
        }
        root.present().map_err(|e| draw_error(path, e))
    }
}

/// Draws every graph of `arch` into `dir` as `arch-<name>.dot` and `arch-<name>.svg`;
/// returns the SVG paths (none when `arch` has no parameters).
pub fn draw_arch(dir: &Path, arch: &ArchDesc) -> Result<Vec<PathBuf>, ModnasError> {
    let mut written = vec![];
    for graph in arch_graphs(arch) {
        let dot = dir.join(format!("arch-{}.dot", graph.name));
        crate::run_dir::write_atomic(&dot, &graph.to_dot())?;
        let svg = dir.join(format!("arch-{}.svg", graph.name));
        graph.draw_svg(&svg)?;
        written.push(svg);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_darts_genotype_is_drawn_per_cell() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for kind in ["normal", "reduce"] {
            for (i, op) in ["SC3", "NIL", "DC5", "IDT", "NIL"].iter().enumerate() {
                text += &format!("\"{kind}.e{i}\" = \"{op}\"\n");
            }
        }
        let svgs = draw_arch(dir.path(), &ArchDesc::from_toml(&text).unwrap()).unwrap();
        assert_eq!(svgs.len(), 2);
        let svg = std::fs::read_to_string(&svgs[0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("\nDC5\n") && svg.contains("\nc_{k}\n"));
        assert!(!svg.contains("\nNIL\n"), "no-edge operations are not drawn");
        let dot = std::fs::read_to_string(dir.path().join("arch-reduce.dot")).unwrap();
        assert!(dot.contains("n1 -> n3 [label=\"IDT\"];"), "{dot}");
    }
}
