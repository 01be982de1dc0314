//! The running fake: its shared context, and the two middlewares every request passes through
//! (authenticate + rate-limit + record outside routing; inject faults inside it).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use jsonwebtoken::DecodingKey;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::auth::{self, Caller};
use super::config::FakeConfig;
use super::error::ApiError;
use super::faults::{self, FaultKind};
use super::record::RecordedRequest;
use super::render::Render;
use super::routes;
use super::state::State as World;
use crate::ids::InstallationId;

/// GitHub accepts request bodies up to about this size.
const MAX_BODY_BYTES: usize = 30 * 1024 * 1024;
/// Unauthenticated callers get GitHub's small budget.
const ANONYMOUS_RATE_LIMIT: u32 = 60;
/// Where wiki repositories are served over git smart HTTP, below the API base.
pub(crate) const GIT_PREFIX: &str = "/git";

pub(crate) struct Shared {
    pub config: FakeConfig,
    /// `http://127.0.0.1:PORT`, the API base.
    pub api_url: String,
    pub key: DecodingKey,
    pub state: Mutex<World>,
    /// Bumped after every request and every test-side change, for `wait_until`.
    pub version: watch::Sender<u64>,
    /// A private temporary directory (wiki repositories live here).
    pub root: PathBuf,
    /// Bumped by `release_held`: requests held by a `Hold` fault wait for the next value.
    pub releases: watch::Sender<u64>,
}

#[derive(Clone)]
pub(crate) struct Ctx(pub Arc<Shared>);

impl std::ops::Deref for Ctx {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, World> {
        // A panicking handler must not take every later test assertion down with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    pub fn render<'a>(&'a self, state: &'a World) -> Render<'a> {
        Render {
            api: &self.api_url,
            html: &self.config.html_url,
            state,
            config: &self.config,
        }
    }

    pub fn git_url(&self) -> String {
        format!("{}{GIT_PREFIX}", self.api_url)
    }
}

/// The method a request came with, when routing saw another one.
#[derive(Clone)]
pub(crate) struct OriginalMethod(pub http::Method);

/// Before routing: GitHub takes POST where it documents PATCH (see `routes::post_means_patch`).
pub(crate) fn rewrite_method(mut req: Request) -> Request {
    if req.method() == http::Method::POST && routes::post_means_patch(req.uri().path()) {
        req.extensions_mut()
            .insert(OriginalMethod(http::Method::POST));
        *req.method_mut() = http::Method::PATCH;
    }
    req
}

/// Put on a response by the inner middleware: which served route answered.
#[derive(Clone)]
pub(crate) struct MatchedRoute(pub &'static str);

/// Put on a response by the inner middleware: the fault that shaped it.
#[derive(Clone)]
pub(crate) struct AppliedFault(pub FaultKind);

struct Budget {
    limit: u32,
    used: u32,
    reset: i64,
    exhausted: bool,
}

fn spend(state: &mut World, bucket: String, limit: u32, now: DateTime<Utc>) -> Budget {
    if now >= state.rate_window_reset {
        state.rate_used.clear();
        state.rate_window_reset = now + chrono::Duration::hours(1);
    }
    let used = state.rate_used.entry(bucket).or_insert(0);
    let exhausted = *used >= limit;
    if !exhausted {
        *used += 1;
    }
    Budget {
        limit,
        used: *used,
        reset: state.rate_window_reset.timestamp(),
        exhausted,
    }
}

fn set_header(headers: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, value);
    }
}

fn rate_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, used: u32, reset: i64) {
    set_header(headers, "x-ratelimit-limit", limit);
    set_header(headers, "x-ratelimit-remaining", remaining);
    set_header(headers, "x-ratelimit-used", used);
    set_header(headers, "x-ratelimit-reset", reset);
    set_header(headers, "x-ratelimit-resource", "core");
}

fn rate_limited(limit: u32, reset: i64, retry_after: Option<u64>) -> Response {
    let body = json!({
        "message": "API rate limit exceeded. Wait for the reset before trying again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    });
    let mut response = (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    rate_headers(headers, limit, 0, limit, reset);
    if let Some(secs) = retry_after {
        set_header(headers, "retry-after", secs);
    }
    response
}

/// Counts an installation's mutating request while it is being served.
struct InFlight {
    ctx: Ctx,
    installation: InstallationId,
}

impl InFlight {
    fn enter(ctx: &Ctx, caller: &Caller, method: &Method) -> Option<InFlight> {
        let Caller::Installation { id, .. } = caller else {
            return None;
        };
        if matches!(*method, Method::GET | Method::HEAD) {
            return None;
        }
        let mut state = ctx.lock();
        let count = state.mutations_in_flight.entry(*id).or_insert(0);
        *count += 1;
        let now = *count;
        let max = state.max_mutations_in_flight.entry(*id).or_insert(0);
        *max = (*max).max(now);
        Some(InFlight {
            ctx: ctx.clone(),
            installation: *id,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(count) = self
            .ctx
            .lock()
            .mutations_in_flight
            .get_mut(&self.installation)
        {
            *count = count.saturating_sub(1);
        }
    }
}

/// Outside routing: who is calling, the rate-limit budget, the request log, and the change signal.
pub(crate) async fn outer(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let now = Utc::now();
    let method = req
        .extensions()
        .get::<OriginalMethod>()
        .map_or_else(|| req.method().clone(), |m| m.0.clone());
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let is_git = path.starts_with(GIT_PREFIX);
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let caller = {
        let state = ctx.lock();
        auth::classify(header.as_deref(), &ctx.key, ctx.config.app_id, &state, now)
    };
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large").into_response();
    };
    let json_body = serde_json::from_slice::<Value>(&bytes).ok();
    let budget = (!is_git).then(|| {
        let limit = match caller {
            Caller::Anonymous | Caller::Rejected(_) => ANONYMOUS_RATE_LIMIT,
            _ => ctx.config.rate_limit,
        };
        spend(&mut ctx.lock(), caller.bucket(), limit, now)
    });

    let mut response = match (&caller, &budget) {
        (Caller::Rejected(message), _) => ApiError::unauthorized(message.clone()).into_response(),
        (_, Some(b)) if b.exhausted => rate_limited(b.limit, b.reset, None),
        _ => {
            parts.extensions.insert(caller.clone());
            let _in_flight = InFlight::enter(&ctx, &caller, &method);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };

    if is_git && response.status() == StatusCode::UNAUTHORIZED {
        // Without the challenge, git never sends the credentials it was given.
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"GitHub\""),
        );
    }
    if let Some(b) = budget
        && !response.headers().contains_key("x-ratelimit-remaining")
    {
        rate_headers(
            response.headers_mut(),
            b.limit,
            b.limit.saturating_sub(b.used),
            b.used,
            b.reset,
        );
    }
    let route = response
        .extensions()
        .get::<MatchedRoute>()
        .map(|r| r.0.to_string());
    let fault = response
        .extensions()
        .get::<AppliedFault>()
        .map(|f| f.0.clone());
    tracing::info!(
        target: "fake_github",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        route = route.as_deref().unwrap_or("-"),
        "request"
    );
    ctx.lock().requests.push(RecordedRequest {
        method,
        path,
        query,
        route,
        status: response.status().as_u16(),
        auth: caller.kind(),
        body: json_body,
        fault,
    });
    ctx.changed();
    response
}

/// Inside routing: the served route's name, and any armed fault for this request.
pub(crate) async fn inner(
    State(ctx): State<Ctx>,
    matched: MatchedPath,
    req: Request,
    next: Next,
) -> Response {
    let route = routes::route_name(matched.as_str()).unwrap_or("?");
    let kind = {
        let mut state = ctx.lock();
        faults::take_matching(&mut state.faults, req.method(), req.uri().path())
    };
    let mut response = match &kind {
        None => next.run(req).await,
        Some(FaultKind::Status(status)) => ApiError::status(*status).into_response(),
        Some(FaultKind::RateLimited { retry_after_secs }) => {
            let reset = Utc::now().timestamp() + i64::try_from(*retry_after_secs).unwrap_or(0);
            rate_limited(ctx.config.rate_limit, reset, Some(*retry_after_secs))
        }
        Some(FaultKind::SecondaryRateLimit { retry_after_secs }) => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            )
            .into_response();
            set_header(response.headers_mut(), "retry-after", retry_after_secs);
            response
        }
        Some(FaultKind::ApplyThenStatus(status)) => {
            let _lost = next.run(req).await;
            ApiError::status(*status).into_response()
        }
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(*delay).await;
            next.run(req).await
        }
        Some(FaultKind::Hold) => {
            let mut releases = ctx.releases.subscribe();
            releases.borrow_and_update();
            ctx.lock().held += 1;
            ctx.changed();
            // An error means the fake is shutting down: serve and let it go.
            let _ = releases.changed().await;
            ctx.lock().held -= 1;
            next.run(req).await
        }
    };
    response.extensions_mut().insert(MatchedRoute(route));
    if let Some(kind) = kind {
        response.extensions_mut().insert(AppliedFault(kind));
    }
    response
}
