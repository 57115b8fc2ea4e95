//! Draws every plot a run directory's records allow.

use crate::{
    run::RunReport, viz::draw_arch, viz::plot_alphas, viz::plot_pareto, viz::plot_progress,
    ModnasError,
};
use std::path::{Path, PathBuf};

/// Draws the plots of the run in `dir` from its records, and returns their paths: the
/// best-so-far curve (`progress-<objective>.svg`) and the best architecture (`arch-<cell>.svg`
/// and `.dot`, for runs with a model) once a trial succeeded, the Pareto front of a
/// multi-objective run (`pareto-<a>-<b>.svg`), and the α trajectory of a supernet run
/// (`alphas-<param>.svg`).
///
/// ```no_run
/// # fn main() -> Result<(), modnas::ModnasError> {
/// let dir = std::path::Path::new("runs/quickstart");
/// let cfg = modnas::Config::from_file("examples/configs/quickstart.toml", &[])?;
/// modnas::run_search(&cfg, dir, modnas::RunMode::New, &mut |_| {})?;
/// for svg in modnas::draw_run(dir)? {
///     println!("{}", svg.display());
/// }
/// # Ok(())
/// # }
/// ```
pub fn draw_run(dir: &Path) -> Result<Vec<PathBuf>, ModnasError> {
    let report = RunReport::load(dir)?;
    let mut drawn = vec![];
    if let Some(best) = report.ranked().first() {
        drawn.push(plot_progress(dir)?);
        if report.has_model {
            drawn.extend(draw_arch(dir, &best.arch)?);
        }
    }
    drawn.extend(plot_pareto(dir)?);
    if dir.join(crate::run::ALPHAS_FILE).exists() {
        drawn.push(plot_alphas(dir, None)?);
    }
    tracing::info!(drawings = ?drawn, "run drawn");
    Ok(drawn)
}

/// [`draw_run`] for a run that is finished and recorded: a drawing that cannot be made is
/// logged as a warning instead of failing the caller.
pub(crate) fn draw_run_or_warn(dir: &Path) {
    if let Err(e) = draw_run(dir) {
        tracing::warn!(dir = %dir.display(), "the run is recorded, but its drawings are not: {e}");
    }
}
