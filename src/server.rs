//! The axum router: `POST /webhook` (verify, decode, persist, 202), `GET /healthz`, `GET /metrics`,
//! and the status or setup pages.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use secrecy::ExposeSecret as _;
use tracing::{debug, error, info};

use crate::app::AppState;
use crate::github::webhook::{self, WebhookEvent};
use crate::ids::DeliveryId;
use crate::jobs::webhook_job;
use crate::setup;
use crate::store::DeliveryOutcome;

/// GitHub caps webhook payloads at 25 MB.
pub const MAX_WEBHOOK_BYTES: usize = 25 * 1024 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/webhook",
            post(receive_webhook).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES)),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/", get(setup::home))
        .route("/setup/callback", get(setup::callback))
        .with_state(state)
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (status, body).into_response()
}

async fn receive_webhook(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(event_name) = header_str("x-github-event") else {
        return text(StatusCode::BAD_REQUEST, "missing X-GitHub-Event header\n");
    };
    let Some(secret) = state.webhook_secret() else {
        state.metrics.delivery(event_name, "not_configured");
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "this App has no webhook secret configured yet; open / to set it up\n",
        );
    };
    if webhook::verify_signature(
        secret.expose_secret().as_bytes(),
        &body,
        header_str("x-hub-signature-256"),
    )
    .is_err()
    {
        state.metrics.delivery(event_name, "bad_signature");
        return text(StatusCode::UNAUTHORIZED, "signature does not match\n");
    }
    let Some(delivery) = header_str("x-github-delivery").filter(|d| !d.is_empty()) else {
        state.metrics.delivery(event_name, "malformed");
        return text(
            StatusCode::BAD_REQUEST,
            "missing X-GitHub-Delivery header\n",
        );
    };
    let event = match webhook::decode(event_name, &body) {
        Ok(event) => event,
        Err(error) => {
            state.metrics.delivery(event_name, "malformed");
            debug!(%error, event = event_name, "malformed webhook payload");
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed payload: {error}\n"),
            )
                .into_response();
        }
    };
    match event {
        WebhookEvent::Ping => {
            state.metrics.delivery(event_name, "ping");
            return text(StatusCode::OK, "pong\n");
        }
        WebhookEvent::Other { .. } => {
            state.metrics.delivery(event_name, "ignored");
            return text(StatusCode::ACCEPTED, "event not handled; ignored\n");
        }
        _ => {}
    }
    let now = Utc::now();
    let job = match webhook_job(&event, now, state.settings.jobs.max_attempts) {
        Ok(job) => job,
        Err(error) => {
            error!(%error, "cannot encode the event as a job");
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot queue the delivery\n",
            );
        }
    };
    let delivery = DeliveryId(delivery.to_string());
    match state
        .store
        .accept_delivery(&delivery, event_name, job, now)
        .await
    {
        Ok(DeliveryOutcome::Accepted { job_id }) => {
            state.metrics.delivery(event_name, "accepted");
            state.signals.job_queued.notify_one();
            debug!(%delivery, job_id, "delivery queued");
            text(StatusCode::ACCEPTED, "queued\n")
        }
        Ok(DeliveryOutcome::Duplicate) => {
            state.metrics.delivery(event_name, "duplicate");
            info!(%delivery, "redelivery acknowledged and dropped");
            text(StatusCode::OK, "duplicate delivery; already queued\n")
        }
        Err(error) => {
            state.metrics.delivery(event_name, "store_error");
            error!(%error, %delivery, "cannot persist the delivery");
            // 5xx makes GitHub show the failure, and the delivery can be redelivered.
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "cannot persist the delivery\n",
            )
        }
    }
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.ping().await {
        Ok(()) => text(StatusCode::OK, "ok\n"),
        Err(error) => {
            error!(%error, "health check: store unreachable");
            text(StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n")
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    if let Ok(stats) = state.store.queue_stats(Utc::now()).await {
        state
            .metrics
            .queue_depth((stats.ready + stats.scheduled + stats.running) as i64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
