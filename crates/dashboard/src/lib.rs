#![warn(missing_docs)]
//! `modnas dashboard`: a local web page that follows runs while they are written — run
//! directories, the runs of `compare` and `pipeline` directories, the runs of a trial storage
//! with their workers — showing status, a trial table, best-so-far curves, α per epoch, the
//! Pareto front and each trial's architecture, updated live through server-sent events.
//!
//! The server (axum on a single-threaded tokio runtime) only serves what the runs' files hold,
//! through its own JSON API: runs are addressed by their position on the command line, never
//! by a path, and every string from a config or a journal reaches the page as JSON data that
//! the page inserts as text. The chart library (uPlot, MIT) is compiled into the binary, so
//! the page works offline.
//!
//! ```no_run
//! # fn main() -> Result<(), modnas_dashboard::DashboardError> {
//! let dirs = [std::path::PathBuf::from("runs/quickstart")];
//! let dashboard = modnas_dashboard::Dashboard::open(&dirs)?;
//! modnas_dashboard::serve(dashboard, "127.0.0.1:8080", |url| println!("{url}"))?;
//! # Ok(())
//! # }
//! ```

mod api;
mod assets;
mod batch_view;
mod dashboard;
mod error;
mod journal_tail;
mod run_view;
mod storage_link;
mod store_run;

pub use api::router;
pub use batch_view::{BatchKind, BatchStatus, BatchView, CompareCell};
pub use dashboard::Dashboard;
pub use error::DashboardError;
pub use journal_tail::JournalTail;
pub use run_view::{CurvePoint, RunStatus, RunSummary, RunView};
pub use store_run::{StoreRun, WorkerStatus, WorkersView};

/// Serves `dashboard` on `addr` (`host:port`; port 0 picks a free one) until the process is
/// stopped; `on_ready` receives the page's URL once the socket is bound.
pub fn serve(
    dashboard: Dashboard,
    addr: &str,
    on_ready: impl FnOnce(&str),
) -> Result<(), DashboardError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| DashboardError::Server(e.to_string()))?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| DashboardError::Bind {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                })?;
        let local = listener
            .local_addr()
            .map_err(|e| DashboardError::Server(e.to_string()))?;
        on_ready(&format!("http://{local}/"));
        tracing::info!(%local, "dashboard serving");
        axum::serve(listener, router(dashboard))
            .await
            .map_err(|e| DashboardError::Server(e.to_string()))
    })
}
