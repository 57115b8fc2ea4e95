//! Table-based estimation: `TabularEstim` (lookup), `PredictorEstim` (surrogates trained on a
//! table), CSV metric tables and the NAS-Bench-201 space.

mod nb201;
mod predictor_estim;
mod synthetic_nb201;
mod table;
mod tabular_estim;

pub use nb201::*;
pub use predictor_estim::*;
pub use synthetic_nb201::*;
pub use table::*;
pub use tabular_estim::*;
