//! The dashboard's HTTP API: the page and its assets, JSON views of each run, the trials'
//! architecture drawings, and a server-sent event stream that says when a run has grown.

use crate::assets;
use crate::run_view::RunView;
use crate::Dashboard;
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
use std::time::Duration;

/// How often the event stream looks for new records.
const POLL: Duration = Duration::from_millis(500);

impl Dashboard {
    /// Run `id` through `f`, or a 404 naming the id.
    fn run<R>(&self, id: usize, f: impl FnOnce(&RunView) -> R) -> Result<R, NotFound> {
        self.with_run(id, f)
            .ok_or_else(|| NotFound(format!("no run {id}")))
    }

    /// What the event stream compares per run: trials, α snapshots, epoch reports, running,
    /// and a distributed run's trials waiting and held.
    fn sizes(&self) -> Vec<RunSize> {
        self.discover();
        (0..self.len())
            .filter_map(|id| {
                self.with_run(id, |v| {
                    let held = v.workers().map_or((0, 0), |w| (w.pending, w.running));
                    let records = (v.trials().len(), v.alphas().len(), v.epochs().len());
                    (records, v.is_running(), held)
                })
            })
            .collect()
    }
}

type RunSize = ((usize, usize, usize), bool, (usize, usize));

/// The routes: `/`, `/assets/{file}`, `/api/runs`, `/api/batches`,
/// `/api/runs/{id}/{status,trials,epochs,curve,alphas,pareto,workers}`,
/// `/api/runs/{id}/trials/{pos}/arch[/{k}]` and the event stream `/api/events`.
pub fn router(dashboard: Dashboard) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}/status", get(status))
        .route("/api/runs/{id}/trials", get(trials))
        .route("/api/runs/{id}/epochs", get(epochs))
        .route("/api/runs/{id}/curve", get(curve))
        .route("/api/runs/{id}/alphas", get(alphas))
        .route("/api/runs/{id}/pareto", get(pareto))
        .route("/api/runs/{id}/workers", get(workers))
        .route("/api/batches", get(batches))
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
    d.discover();
    let list: Vec<Value> = (0..d.len())
        .filter_map(|id| d.with_run(id, |v| json!({ "id": id, "status": v.status() })))
        .collect();
    Json(list).into_response()
}

async fn batches(State(d): State<Dashboard>) -> Response {
    d.discover();
    Json(d.batches()).into_response()
}

async fn status(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    d.run(id, |v| Json(v.status()).into_response())
}

/// A distributed run's trials by state and its workers; `null` for a local run.
async fn workers(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    d.run(id, |v| Json(v.workers()).into_response())
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
    d.run(id, |view| page("trials", view.trials(), q.since))
}

/// `{"total", "since", <name>}`: the records from position `since` on, and how many there are.
fn page<T: serde::Serialize>(name: &str, all: &[T], since: usize) -> Response {
    let from = since.min(all.len());
    let mut body = json!({ "total": all.len(), "since": from });
    body[name] = json!(&all[from..]);
    Json(body).into_response()
}

/// The epochs the run's trials reported (`epochs.jsonl`), from position `since` on: each
/// trial's learning curve, live while it trains.
async fn epochs(
    State(d): State<Dashboard>,
    Path(id): Path<usize>,
    Query(q): Query<Since>,
) -> Result<Response, NotFound> {
    d.run(id, |view| page("epochs", view.epochs(), q.since))
}

async fn curve(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    d.run(id, |v| Json(v.curve()).into_response())
}

async fn alphas(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    d.run(id, |v| Json(v.alphas()).into_response())
}

async fn pareto(State(d): State<Dashboard>, Path(id): Path<usize>) -> Result<Response, NotFound> {
    d.run(id, |v| Json(v.pareto()).into_response())
}

/// The graphs a trial's architecture draws as (a DARTS genotype: one per cell).
fn graphs_of(
    d: &Dashboard,
    id: usize,
    pos: usize,
) -> Result<Vec<modnas::models::ArchGraph>, NotFound> {
    let arch = d.run(id, |v| v.trials().get(pos).map(|t| t.arch.clone()))?;
    let arch = arch.ok_or_else(|| NotFound(format!("run {id} has no trial at {pos}")))?;
    Ok(modnas::models::arch_graphs(&arch))
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

/// Sends `{"id", "trials", "alphas", "epochs", "running", "pending", "held"}` for every run at
/// once, then
/// again whenever one of them has recorded more, stopped, or (distributed) had trials claimed,
/// or a batch or storage gained a run, so the page fetches only what is new.
async fn events(State(d): State<Dashboard>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last: Vec<RunSize> = vec![];
    let stream = stream::unfold((d, last), |(d, mut last)| async move {
        let changed = loop {
            let now = d.sizes();
            let changed: Vec<Value> = now
                .iter()
                .enumerate()
                .filter(|(id, size)| last.get(*id) != Some(size))
                .map(
                    |(id, &((trials, alphas, epochs), running, (pending, held)))| {
                        json!({ "id": id, "trials": trials, "alphas": alphas, "epochs": epochs,
                            "running": running, "pending": pending, "held": held })
                    },
                )
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
