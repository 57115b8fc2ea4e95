//! Table-based estimation: `TabularEstim` (lookup), `PredictorEstim` (surrogates trained on a
//! table), CSV metric tables and the NAS-Bench-201 space.

mod nb201;
mod predictor_estim;
mod synthetic_nb201;
mod table;
mod tabular_estim;

pub use nb201::{
    add_nb201_edges, nb201_arch_string, nb201_space, parse_nb201_arch_string, NB201_EDGES,
    NB201_OPS,
};
pub use predictor_estim::{PredictorArgs, PredictorEstim};
pub use synthetic_nb201::{write_cell_nb201_table, write_synthetic_nb201_table};
pub use table::MetricTable;
pub use tabular_estim::{KeyFormat, TabularArgs, TabularEstim};
