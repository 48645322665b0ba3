//! The POS-facing HTTP API of `pos_broker`: one route per file, all over a
//! [`Brokerage`], behind the optional bearer token.
//!
//! | route | answer |
//! |---|---|
//! | `POST /terminals/{id}/transactions` | the terminal's RESPONSE (`application/xml`), or 400 / 404 / 503 / 504 / 502 with the reason |
//! | `POST /terminals/{id}/register` | pairs (optional body `{"entry_code": "1234"}`): `{"pinpad_id", "label"}`, 422 when refused |
//! | `POST /terminals/{id}/unregister`, `.../testmac` | the terminal's RESPONSE to SECURITY UNREGISTER / TEST_MAC |
//! | `POST /terminals/{id}/close`, `.../drop` | 204 once the link is told to close (1000) / cut; 404 when not connected |
//! | `GET /terminals` | JSON array of the connected terminals |
//! | `GET /events` | `text/event-stream` of connected / disconnected / replaced / unsolicited / tls_failed |
//! | `GET /metrics` | Prometheus text exposition |

pub mod auth;
mod events;
pub mod exposure;
mod links;
pub mod metrics;
mod pairing;
mod terminals;
mod time;
mod transactions;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::brokerage::Brokerage;
use auth::ApiToken;
use metrics::Metrics;

/// The largest request body read: an SCA document is a few KiB, so anything near this is not
/// one and is refused before it is buffered further.
pub const BODY_LIMIT: usize = 256 * 1024;

/// What every handler shares.
pub struct Api<B> {
    /// The broker the requests go to.
    pub broker: Arc<B>,
    /// `Some` when every call must carry `Authorization: Bearer <token>`.
    pub token: Option<ApiToken>,
    /// Counters and histograms.
    pub metrics: Metrics,
    /// Turns `true` when the service shuts down, so that event streams end and the HTTP
    /// server's graceful shutdown does not wait for them forever.
    pub stopping: watch::Receiver<bool>,
}

/// The router of the whole API.
pub fn router<B: Brokerage>(api: Arc<Api<B>>) -> Router {
    Router::new()
        .route(
            "/terminals/{id}/transactions",
            post(transactions::post::<B>),
        )
        .route("/terminals/{id}/register", post(pairing::register::<B>))
        .route("/terminals/{id}/unregister", post(pairing::unregister::<B>))
        .route("/terminals/{id}/testmac", post(pairing::test_mac::<B>))
        .route("/terminals/{id}/close", post(links::close::<B>))
        .route("/terminals/{id}/drop", post(links::drop_link::<B>))
        .route("/terminals", get(terminals::list::<B>))
        .route("/events", get(events::stream::<B>))
        .route("/metrics", get(metrics_text::<B>))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(api.clone(), authorize::<B>))
        .with_state(api)
}

/// Refuses a call without the bearer token (when one is configured) with 401.
async fn authorize<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &api.token {
        let offered = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        if !token.admits(offered) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "missing or wrong bearer token (Authorization: Bearer TOKEN)\n",
            )
                .into_response();
        }
    }
    next.run(request).await
}

async fn metrics_text<B: Brokerage>(State(api): State<Arc<Api<B>>>) -> Response {
    if let Some(up) = api.broker.nats_connected() {
        api.metrics.set_nats_connected(up);
    }
    let text = api
        .metrics
        .render(api.broker.terminals().len(), api.broker.bytes());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// A plain-text error answer: the status and a line saying why.
fn refuse(status: StatusCode, why: impl std::fmt::Display) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}
