//! Comparisons (`modnas compare`): every search space × optimizer × seed of a matrix, each
//! one run of a base config with overrides, judged by the accuracy it reached and the
//! compute it took. The table (`compare.csv`) averages the seeds and adds the efficiency,
//! accuracy gained over the space's baseline per hour of wall-clock compute; the pictures
//! are every run's best-so-far curve and a heat map of efficiencies.
//!
//! ```toml
//! seeds = [0, 1]
//! budget = ["estim.search.args.epochs = 2"]
//! [spaces.darts_cell]
//! config = "darts.toml"
//! [optimizers.darts]
//! overrides = ['optim.type = "DARTSOptim"']
//! [optimizers.gdas]
//! overrides = ['optim.type = "GDASOptim"', 'construct.args.mixed_op = "GumbelMaxMixedOp"']
//! ```

mod plot;
mod run;
mod spec;
mod table;

pub use plot::{plot_compare_curves, plot_efficiency};
pub use run::{
    compare_records, run_compare, write_results, CompareEvent, RunRecord, COMPARE_CSV,
    COMPARE_FILE, COMPARE_JOURNAL,
};
pub use spec::{Combination, CompareSpec, OptimSpec, SpaceSpec, StageSpec, RANDOM_BASELINE};
pub use table::{compare_csv, compare_rows, render_compare, CompareRow};
