//! Drawing an [`ArchGraph`] (the cells and chains that
//! [`arch_graphs`] reads from an architecture's parameter names) as SVG: nodes left to right, edges between neighbours straight,
//! longer edges as arcs alternately above and below, each labelled with its operation.

use crate::ModnasError;
use modnas_models::{arch_graphs, ArchGraph, GraphEdge};
use modnas_param_space::ArchDesc;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

const NODE_H: i32 = 36;
const MARGIN: i32 = 60;
const ARC_STEP: f64 = 34.0;

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

type Area<'p> = DrawingArea<SVGBackend<'p>, plotters::coord::Shift>;

fn font(size: i32) -> TextStyle<'static> {
    ("sans-serif", size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center))
}

/// Where the nodes sit: `gap` apart on the line `mid` of a `width` × `height` picture.
struct Layout {
    gap: i32,
    mid: f64,
    width: i32,
    height: i32,
}

impl Layout {
    fn x_of(&self, node: usize) -> f64 {
        f64::from(MARGIN + self.gap * node as i32)
    }
}

fn node_width(label: &str) -> i32 {
    let chars = label.lines().map(|l| l.chars().count()).max().unwrap_or(1);
    (chars as i32 * 8 + 20).max(56)
}

/// Wide enough for the widest label, high enough for the longest arc.
fn layout(graph: &ArchGraph) -> Layout {
    let widest = graph
        .nodes
        .iter()
        .map(|n| node_width(n))
        .max()
        .unwrap_or(56);
    let gap = (widest + 70).max(130);
    let span = graph
        .edges
        .iter()
        .map(|e| e.to.abs_diff(e.from))
        .max()
        .unwrap_or(1) as f64;
    let reach = (ARC_STEP * span / 2.0).ceil() as i32 + 30;
    let height = 2 * reach + NODE_H + 60;
    Layout {
        gap,
        mid: f64::from(height / 2),
        width: 2 * MARGIN + gap * (graph.nodes.len().saturating_sub(1) as i32),
        height,
    }
}

/// Draws the graph into the SVG file `path`.
pub fn draw_graph_svg(graph: &ArchGraph, path: &Path) -> Result<(), ModnasError> {
    let svg = graph_svg(graph).map_err(|e| ModnasError::draw(path, e))?;
    crate::run::dir::write_atomic(path, &svg)
}

/// The graph as an SVG document (what [`draw_graph_svg`] writes); the error says why it could
/// not be drawn.
pub fn graph_svg(graph: &ArchGraph) -> Result<String, String> {
    let layout = layout(graph);
    let size = (layout.width as u32, layout.height as u32);
    let mut svg = String::new();
    draw_graph(
        graph,
        &layout,
        SVGBackend::with_string(&mut svg, size).into_drawing_area(),
    )
    .map_err(|e| e.to_string())?;
    Ok(svg)
}

fn draw_graph(
    graph: &ArchGraph,
    layout: &Layout,
    root: Area<'_>,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    root.draw(&Text::new(graph.name.clone(), (MARGIN / 2, 16), font(14)))?;
    if !graph.note.is_empty() {
        let at = (layout.width / 2, layout.height - 14);
        root.draw(&Text::new(graph.note.clone(), at, font(11)))?;
    }
    let palette = [&BLUE, &RED, &GREEN, &MAGENTA, &CYAN, &BLACK];
    let mut arcs = 0;
    for (k, e) in graph.edges.iter().enumerate() {
        // Arcs alternate above and below the line of nodes.
        let side = if arcs % 2 == 0 { -1.0 } else { 1.0 };
        arcs += usize::from(e.to.abs_diff(e.from) > 1);
        let color = if e.op.is_empty() {
            &BLACK
        } else {
            palette[k % palette.len()]
        };
        draw_edge(graph, &root, layout, e, side, color)?;
    }
    for (i, label) in graph.nodes.iter().enumerate() {
        draw_node(&root, (layout.x_of(i) as i32, layout.mid as i32), label)?;
    }
    root.present()
}

/// An edge: a straight line between neighbours, else an arc on `side` of the nodes; an
/// arrow head where it meets the target's box; its operation written at its middle.
fn draw_edge(
    graph: &ArchGraph,
    root: &Area<'_>,
    layout: &Layout,
    e: &GraphEdge,
    side: f64,
    color: &RGBColor,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let mid = layout.mid;
    let (a, b) = ((layout.x_of(e.from), mid), (layout.x_of(e.to), mid));
    let steps = e.to.abs_diff(e.from) as f64;
    let lift = if steps <= 1.0 {
        0.0
    } else {
        side * ARC_STEP * steps
    };
    let c = ((a.0 + b.0) / 2.0, mid + lift);
    let points: Vec<(i32, i32)> = (0..=24)
        .map(|i| px(bezier(a, c, b, f64::from(i) / 24.0)))
        .collect();
    root.draw(&PathElement::new(points, color.stroke_width(2)))?;
    let half = f64::from(node_width(&graph.nodes[e.to]) / 2);
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
    root.draw(&Polygon::new(head, color.filled()))?;
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
        ))?;
    }
    Ok(())
}

/// A node: a white box with a black border centred at `(x, y)`, its label's lines inside.
fn draw_node(
    root: &Area<'_>,
    (x, y): (i32, i32),
    label: &str,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let w = node_width(label);
    let corners = [(x - w / 2, y - NODE_H / 2), (x + w / 2, y + NODE_H / 2)];
    root.draw(&Rectangle::new(corners, WHITE.filled()))?;
    root.draw(&Rectangle::new(corners, BLACK.stroke_width(1)))?;
    let lines: Vec<&str> = label.lines().collect();
    for (j, line) in lines.iter().enumerate() {
        let dy = (j as i32 * 2 + 1 - lines.len() as i32) * 7;
        root.draw(&Text::new(line.to_string(), (x, y + dy), font(12)))?;
    }
    Ok(())
}

/// Draws every graph of `arch` into `dir` as `arch-<name>.dot` and `arch-<name>.svg`;
/// returns the SVG paths (none when `arch` has no parameters).
pub fn draw_arch(dir: &Path, arch: &ArchDesc) -> Result<Vec<PathBuf>, ModnasError> {
    let mut written = vec![];
    for graph in arch_graphs(arch) {
        let dot = dir.join(format!("arch-{}.dot", graph.name));
        crate::run::dir::write_atomic(&dot, &graph.to_dot())?;
        let svg = dir.join(format!("arch-{}.svg", graph.name));
        draw_graph_svg(&graph, &svg)?;
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
