//! The page and its assets, compiled into the binary so the dashboard needs no network and no
//! install. uPlot (MIT, `assets/vendor/LICENSE-uPlot`) draws the charts.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("../assets/dashboard.css");
const UPLOT_JS: &str = include_str!("../assets/vendor/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../assets/vendor/uPlot.min.css");
const UPLOT_LICENSE: &str = include_str!("../assets/vendor/LICENSE-uPlot");

/// Scripts and styles from this server only; data as JSON, never as markup.
const PAGE_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

fn respond(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_POLICY),
            ),
        ],
        body,
    )
        .into_response()
}

/// The dashboard page.
pub(crate) fn page() -> Response {
    respond(INDEX_HTML, "text/html; charset=utf-8")
}

/// One of the page's files by its name; `None` for any other name.
pub(crate) fn asset(name: &str) -> Option<Response> {
    let (body, content_type) = match name {
        "dashboard.js" => (DASHBOARD_JS, "text/javascript; charset=utf-8"),
        "dashboard.css" => (DASHBOARD_CSS, "text/css; charset=utf-8"),
        "uPlot.iife.min.js" => (UPLOT_JS, "text/javascript; charset=utf-8"),
        "uPlot.min.css" => (UPLOT_CSS, "text/css; charset=utf-8"),
        "LICENSE-uPlot" => (UPLOT_LICENSE, "text/plain; charset=utf-8"),
        _ => return None,
    };
    Some(respond(body, content_type))
}
