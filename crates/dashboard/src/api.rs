//! The dashboard's HTTP API: the page and its assets, JSON views of each run, the trials'
//! architecture drawings, and a server-sent event stream that says when a run has grown.

use crate::assets;
use crate::run_view::RunView;
use crate::DashboardError;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How often the event stream looks for new records.
const POLL: Duration = Duration::from_millis(500);

/// The runs a dashboard shows, addressed by their position.
#[derive(Clone)]
pub struct Dashboard {
    runs: Arc<Vec<Mutex<RunView>>>,
}

impl Dashboard {
    /// Opens every directory in `dirs` as a run; the first that is not one is the error.
    pub fn open(dirs: &[std::path::PathBuf]) -> Result<Self, DashboardError> {
        if dirs.is_empty() {
            return Err(DashboardError::NoRuns);
        }
        let runs = dirs
            .iter()
            .map(|d| RunView::open(d).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            runs: Arc::new(runs),
        })
    }

    /// Run `id`, refreshed from its files; an error for an id that names no run.
    fn run(&self, id: usize) -> Result<MutexGuard<'_, RunView>, NotFound> {
        let Some(run) = self.runs.get(id) else {
            return Err(NotFound(format!("no run {id}")));
        };
        // A panic while a view was held leaves it usable: its state is only a read cache.
        let mut view = run.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = view.refresh() {
            tracing::warn!(error = %e, "refreshing a run");
        }
        Ok(view)
    }

    /// (trials, α snapshots, running) of each run now.
    fn sizes(&self) -> Vec<(usize, usize, bool)> {
        (0..self.runs.len())
            .filter_map(|id| self.run(id).ok())
            .map(|v| (v.trials().len(), v.alphas().len(), v.is_running()))
            .collect()
    }
}

/// The routes: `/`, `/assets/{file}`, `/api/runs`, `/api/runs/{id}/{status,trials,curve,alphas,pareto}`,
/// `/api/runs/{id}/trials/{pos}/arch[/{k}]` and the event stream `/api/events`.
pub fn router(dashboard: Dashboard) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}/status", get(status))
        .route("/api/runs/{id}/trials", get(trials))
        .route("/api/runs/{id}/curve", get(curve))
        .route("/api/runs/{id}/alphas", get(alphas))
        .route("/api/runs/{id}/pareto", get(pareto))
        .route("/api/runs/{id}/trials/{pos}/arch", get(arch_list))
        .route("/api/runs/{id}/trials/{pos}/arch/{k}", get(arch_svg))
        .route("/api/events", get(events))
        .fallback(|| async { not_found("no such page") })
        .with_state(dashboard)
}

/// A 404 with a JSON body that says what was not found.
struct NotFound(String);

impl IntoResponse for NotFound {
    fn into_response(self) -> Response {
        (StatusCode::NOT_FOUND, Json(json!({ "error": self.0 }))).into_response()
    }
}

fn not_found(what: &str) -> Response {
    NotFound(what.to_string()).into_response()
}

async fn index() -> Response {
    assets::page()
}

async fn asset(Path(file): Path<String>) -> Response {
    assets::asset(&file).unwrap_or_else(|| not_found("no such asset"))
}

async fn runs(State(d): State<Dashboard>) -> Response {
    let list: Vec<Value> = (0..d.runs.len())
        .filter_map(|id| {
            d.run(id)
                .ok()
                .map(|v| json!({ "id": id, "status": v.status() }))
        })
        .collect();
    Json(list).into_response()
}

async fn status(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    Ok(Json(d.run(id)?.status()).into_response())
}

/// `?since=N`: only the trials from position `N` on.
#[derive(Deserialize)]
struct Since {
    #[serde(default)]
    since: usize,
}

async fn trials(
    State(d): State<Dashboard>,
    Path(id): Path<usize>,
    Query(q): Query<Since>,
) -> Result<Response, NotFound> {
    let view = d.run(id)?;
    let all = view.trials();
    let from = q.since.min(all.len());
    Ok(Json(json!({ "total": all.len(), "since": from, "trials": &all[from..] })).into_response())
}

async fn curve(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    Ok(Json(d.run(id)?.curve()).into_response())
}

async fn alphas(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    Ok(Json(d.run(id)?.alphas()).into_response())
}

async fn pareto(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    Ok(Json(d.run(id)?.pareto()).into_response())
}

/// The graphs a trial's architecture draws as (a DARTS genotype: one per cell).
fn graphs_of(
    d: &Dashboard,
    id: usize,
    pos: usize,
) -> Result<Vec<modnas::models::ArchGraph>, NotFound> {
    let view = d.run(id)?;
    let trial = view
        .trials()
        .get(pos)
        .ok_or_else(|| NotFound(format!("run {id} has no trial at {pos}")))?;
    Ok(modnas::models::arch_graphs(&trial.arch))
}

async fn arch_list(
    State(d): State<Dashboard>,
    Path((id, pos)): Path<(usize, usize)>,
) -> Result<Response, NotFound> {
    let graphs = graphs_of(&d, id, pos)?;
    let names: Vec<&str> = graphs.iter().map(|g| g.name.as_str()).collect();
    Ok(Json(json!({ "graphs": names })).into_response())
}

async fn arch_svg(
    State(d): State<Dashboard>,
    Path((id, pos, k)): Path<(usize, usize, usize)>,
) -> Result<Response, NotFound> {
    let graphs = graphs_of(&d, id, pos)?;
    let Some(graph) = graphs.get(k) else {
        return Err(NotFound(format!(
            "trial {pos} draws {} graphs",
            graphs.len()
        )));
    };
    Ok(match modnas::viz::graph_svg(graph) {
        Ok(svg) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/svg+xml"),
                ),
                // Opened on its own, the drawing may not run anything.
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
                ),
            ],
            svg,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": e })),
        )
            .into_response(),
    })
}

/// Sends `{"id", "trials", "alphas", "running"}` for every run at once, then again whenever
/// one of them has recorded more or stopped, so the page fetches only what is new.
async fn events(State(d): State<Dashboard>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last = vec![(usize::MAX, usize::MAX, false); d.runs.len()];
    let stream = stream::unfold((d, last), |(d, mut last)| async move {
        let changed = loop {
            let now = d.sizes();
            let changed: Vec<Value> = now
                .iter()
                .enumerate()
                .filter(|(id, size)| last.get(*id) != Some(size))
                .map(|(id, &(trials, alphas, running))| {
                    json!({ "id": id, "trials": trials, "alphas": alphas, "running": running })
                })
                .collect();
            last = now;
            if !changed.is_empty() {
                break changed;
            }
            tokio::time::sleep(POLL).await;
        };
        let event = Event::default()
            .event("runs")
            .json_data(changed)
            .unwrap_or_default();
        Some((Ok(event), (d, last)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
