//! The CLI's tracing subscriber: the libraries only emit events; this is where they go.

use std::path::Path;

/// Logs go to stderr (level from `MODNAS_LOG`, default `warn`) and, for a search, also to
/// `RUN_DIR/modnas.log` at `info` (or `MODNAS_LOG`), appended across resumes, once the run
/// has created its directory.
pub(crate) fn init_logging(run_dir: Option<&Path>) {
    use tracing_subscriber::{
        fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer,
    };
    let filter = |default: &str| {
        EnvFilter::try_from_env("MODNAS_LOG").unwrap_or_else(|_| EnvFilter::new(default))
    };
    // The log file is opened per event and never creates the directory: a run refused before
    // it starts leaves nothing behind.
    let file_layer = run_dir.map(|dir| {
        let path = dir.join(modnas::run::LOG_FILE);
        fmt::layer()
            .with_ansi(false)
            .with_writer(move || -> Box<dyn std::io::Write> {
                match std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                {
                    Ok(f) => Box::new(f),
                    Err(_) => Box::new(std::io::sink()),
                }
            })
            .with_filter(filter("info"))
    });
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter("warn"));
    let batches = crate::progress::BatchLayer.with_filter(
        tracing_subscriber::filter::Targets::new()
            .with_target(modnas::estim::PROGRESS_TARGET, tracing::Level::TRACE),
    );
    tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .with(batches)
        .init();
}
