//! Searchable layers built from slots.

mod dag;
mod motif;
mod multi_branch;

pub use dag::{DAGLayer, DagOutput};
pub use motif::{Motif, LEVEL1_PRIMITIVES, MAX_MOTIFS, MOTIF_CANDIDATES_KEY, MOTIF_NODES_KEY};
pub use multi_branch::{BranchMerge, MultiBranchLayer};
