//! Every plot and drawing of a run: its architecture (SVG and Graphviz DOT), its α trajectories,
//! its Pareto front, and [`draw_run`], which draws all that a run directory's records allow.
//! A search draws nothing by itself: the CLI calls [`draw_run`] after each search, and a library
//! user calls it, or single plots, when they want them.

mod alphas_plot;
mod arch_svg;
mod draw_run;
mod pareto_plot;
mod progress_plot;

pub use alphas_plot::plot_alphas;
pub use arch_svg::{draw_arch, draw_graph_svg, graph_svg};
pub use draw_run::draw_run;
pub(crate) use draw_run::draw_run_or_warn;
pub use pareto_plot::{pareto_csv, plot_pareto};
pub(crate) use progress_plot::best_so_far_axes;
pub use progress_plot::{plot_curve, plot_progress};
