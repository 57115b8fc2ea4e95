//! An architecture as graphs to draw, read from the parameter names the built-in models give:
//! [`DARTSNet`](crate::DARTSNet)'s cells (`<kind>.e<i>` edges of a two-input cell),
//! [`NB201Net`](crate::NB201Net)'s cell (`edge_<to>_<from>`), and a chain of the remaining
//! slots in order. [`ArchGraph::to_dot`] writes Graphviz DOT; `modnas::viz::draw_arch` also
//! draws SVG.
//!
//! ```
//! use modnas_models::arch_graphs;
//! use modnas_param_space::ArchDesc;
//! let arch = ArchDesc::from_toml(r#"
//! "normal.e0" = "SC3"
//! "normal.e1" = "NIL"
//! "normal.e2" = "IDT"
//! "normal.e3" = "MAX"
//! "normal.e4" = "NIL"
//! "#).unwrap();
//! let cells = arch_graphs(&arch);
//! assert_eq!(cells[0].name, "normal");
//! assert_eq!(cells[0].nodes, ["c_{k-2}", "c_{k-1}", "0", "1", "c_{k}"]);
//! assert_eq!(cells[0].edges.len(), 3 + 2); // three operations, two nodes into the output
//! ```

use indexmap::IndexMap;
use modnas_param_space::ArchDesc;

/// Operations that mean "no edge" in cell spaces.
const NO_EDGE: [&str; 2] = ["NIL", "none"];

/// One drawn edge: source and target node indices, and the operation (empty for the plain
/// edges into a cell's output).
#[derive(Clone, Debug, PartialEq)]
pub struct GraphEdge {
    /// Source node.
    pub from: usize,
    /// Target node.
    pub to: usize,
    /// Operation label.
    pub op: String,
}

/// A cell or net as nodes (left to right in a valid order) and labelled edges.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchGraph {
    /// The cell kind (`normal`, `reduce`, `cell`) or `net` for a chain.
    pub name: String,
    /// Node labels.
    pub nodes: Vec<String>,
    /// Edges between node indices, each labelled with its operation.
    pub edges: Vec<GraphEdge>,
    /// What the drawing does not show (empty for cells, which are drawn as connected).
    pub note: String,
}

/// The note of a chain of slots: a model's own wiring is not in its parameter names.
pub(crate) const CHAIN_NOTE: &str =
    "slots in model order; the model's own connections (residuals, branches) are not drawn";

fn edge(from: usize, to: usize, op: &str) -> GraphEdge {
    GraphEdge {
        from,
        to,
        op: op.to_string(),
    }
}

/// The intermediate node count of a two-input DARTS cell with `edges` edges (node `j` has
/// `2 + j` in-edges), if there is one.
fn darts_nodes(edges: usize) -> Option<usize> {
    let (mut n, mut total) = (0, 0);
    while total < edges {
        total += 2 + n;
        n += 1;
    }
    (total == edges && n > 0).then_some(n)
}

fn darts_cell(name: &str, ops: &[String]) -> Option<ArchGraph> {
    let n = darts_nodes(ops.len())?;
    let mut nodes = vec!["c_{k-2}".to_string(), "c_{k-1}".to_string()];
    nodes.extend((0..n).map(|j| j.to_string()));
    nodes.push("c_{k}".into());
    let mut edges = vec![];
    let mut i = 0;
    for j in 0..n {
        for src in 0..2 + j {
            if !NO_EDGE.contains(&ops[i].as_str()) {
                edges.push(edge(src, 2 + j, &ops[i]));
            }
            i += 1;
        }
    }
    edges.extend((0..n).map(|j| edge(2 + j, 2 + n, "")));
    Some(ArchGraph {
        name: name.to_string(),
        nodes,
        edges,
        note: String::new(),
    })
}

fn nb201_cell(edges: &[(usize, usize, String)]) -> ArchGraph {
    let last = edges.iter().map(|(to, _, _)| *to).max().unwrap_or(0);
    ArchGraph {
        name: "cell".into(),
        nodes: (0..=last).map(|i| i.to_string()).collect(),
        edges: edges
            .iter()
            .filter(|(_, _, op)| !NO_EDGE.contains(&op.as_str()))
            .map(|(to, from, op)| edge(*from, *to, op))
            .collect(),
        note: String::new(),
    }
}

fn value_text(v: &modnas_param_space::ParamValue) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// The graphs of `arch`: its DARTS cells, its NAS-Bench-201 cell, then a chain of the
/// parameters that fit neither (empty when there are none).
pub fn arch_graphs(arch: &ArchDesc) -> Vec<ArchGraph> {
    let mut cells: IndexMap<&str, Vec<String>> = IndexMap::new();
    let mut nb201 = vec![];
    let mut rest: Vec<(&str, String)> = vec![];
    for (name, value) in arch.iter() {
        let text = value_text(value);
        if let Some((kind, i)) = name.rsplit_once(".e") {
            let ops = cells.entry(kind).or_default();
            if i.parse::<usize>() == Ok(ops.len()) {
                ops.push(text);
                continue;
            }
        }
        let nb = name.strip_prefix("edge_").and_then(|t| t.split_once('_'));
        if let Some((Ok(to), Ok(from))) = nb.map(|(a, b)| (a.parse(), b.parse())) {
            nb201.push((to, from, text));
            continue;
        }
        rest.push((name, text));
    }
    let mut graphs = vec![];
    for (kind, ops) in cells {
        match darts_cell(kind, &ops) {
            Some(g) => graphs.push(g),
            None => rest.extend(
                ops.into_iter()
                    .enumerate()
                    .map(|(i, op)| (kind, format!("e{i}: {op}"))),
            ),
        }
    }
    if !nb201.is_empty() {
        graphs.push(nb201_cell(&nb201));
    }
    if !rest.is_empty() {
        let mut nodes = vec!["input".to_string()];
        nodes.extend(rest.iter().map(|(name, text)| format!("{name}\n{text}")));
        nodes.push("output".into());
        let edges = (0..nodes.len() - 1).map(|i| edge(i, i + 1, "")).collect();
        graphs.push(ArchGraph {
            name: "net".into(),
            nodes,
            edges,
            note: CHAIN_NOTE.into(),
        });
    }
    graphs
}

impl ArchGraph {
    /// The graph in Graphviz DOT (`dot -Tpng arch-normal.dot`).
    pub fn to_dot(&self) -> String {
        let quote = |s: &str| {
            format!(
                "\"{}\"",
                s.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n")
            )
        };
        let mut out = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
            quote(&self.name)
        );
        if !self.note.is_empty() {
            out += &format!("  label={};\n  labelloc=b;\n", quote(&self.note));
        }
        for (i, label) in self.nodes.iter().enumerate() {
            out += &format!("  n{i} [label={}];\n", quote(label));
        }
        for e in &self.edges {
            let label = if e.op.is_empty() {
                String::new()
            } else {
                format!(" [label={}]", quote(&e.op))
            };
            out += &format!("  n{} -> n{}{label};\n", e.from, e.to);
        }
        out + "}\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn darts_cells_need_a_triangular_edge_count() {
        assert_eq!(darts_nodes(5), Some(2));
        assert_eq!(darts_nodes(14), Some(4));
        assert_eq!(darts_nodes(6), None);
        let arch =
            ArchDesc::from_toml("\"a.e0\" = \"X\"\n\"a.e1\" = \"Y\"\n\"a.e2\" = \"Z\"").unwrap();
        let g = arch_graphs(&arch);
        assert_eq!((g.len(), g[0].name.as_str()), (1, "net"));
        assert_eq!(g[0].nodes[1], "a\ne0: X");
    }

    #[test]
    fn nb201_cells_drop_none_edges() {
        let mut text = String::new();
        for (i, e) in modnas_construct::ops::NB201_EDGES.iter().enumerate() {
            let op = if i == 2 { "none" } else { "nor_conv_3x3" };
            text += &format!("{e} = \"{op}\"\n");
        }
        let g = &arch_graphs(&ArchDesc::from_toml(&text).unwrap())[0];
        assert_eq!(g.nodes, ["0", "1", "2", "3"]);
        assert_eq!(g.edges.len(), 5);
        assert!(g.edges.contains(&edge(0, 1, "nor_conv_3x3")));
        assert!(!g.edges.iter().any(|e| e.from == 1 && e.to == 2));
    }

    #[test]
    fn other_slots_form_a_chain_in_dot() {
        let arch = ArchDesc::from_toml("\"convs.0\" = \"NC3\"\n\"convs.1\" = \"NC5\"").unwrap();
        let g = &arch_graphs(&arch)[0];
        assert_eq!(g.nodes, ["input", "convs.0\nNC3", "convs.1\nNC5", "output"]);
        let dot = g.to_dot();
        assert!(dot.contains("n1 [label=\"convs.0\\nNC3\"];"), "{dot}");
        assert!(dot.contains("n2 -> n3;"), "{dot}");
        assert!(
            dot.contains("connections (residuals, branches) are not drawn"),
            "{dot}"
        );
    }
}
