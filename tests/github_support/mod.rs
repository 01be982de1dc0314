//! A tiny scriptable GitHub for the client tests: each test mounts the routes it needs on top of a
//! token endpoint that checks the App JWT, and every request is recorded.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use postmortem_bot::github::{AppClaims, AppCredentials, GitHubApp, RetryPolicy};
use postmortem_bot::metrics::Metrics;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

pub const APP_ID: u64 = 42;
pub const PRIVATE_KEY: &str = include_str!("../fixtures/test-app-key.pem");
pub const PUBLIC_KEY: &str = include_str!("../fixtures/test-app-key.pub.pem");

#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub auth: Option<String>,
    pub body: String,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// Issues `tok-1`, `tok-2`, ... to requests bearing a valid App JWT.
#[derive(Default)]
pub struct TokenMint {
    pub issued: AtomicUsize,
    /// Seconds until the tokens it hands out expire.
    pub lifetime: AtomicI64,
    pub refuse: AtomicBool,
    pub claims: Mutex<Vec<AppClaims>>,
}

pub struct Fake {
    pub url: Url,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    pub mint: Arc<TokenMint>,
}

impl Fake {
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn hits_to(&self, method: &str, path: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.method == method && h.path == path)
            .collect()
    }

    pub fn issued(&self) -> usize {
        self.mint.issued.load(SeqCst)
    }
}

pub fn verify_jwt(jwt: &str) -> Result<AppClaims, jsonwebtoken::errors::Error> {
    let key = DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[APP_ID.to_string()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss"]);
    jsonwebtoken::decode::<AppClaims>(jwt, &key, &validation).map(|data| data.claims)
}

async fn mint_token(mint: Arc<TokenMint>, headers: HeaderMap) -> Response {
    let jwt = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let claims = match jwt.map(verify_jwt) {
        Some(Ok(claims)) => claims,
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"message": "A JSON web token could not be decoded"})),
            )
                .into_response();
        }
    };
    if mint.refuse.load(SeqCst) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"message": "This installation has been suspended"})),
        )
            .into_response();
    }
    mint.claims.lock().unwrap().push(claims);
    let n = mint.issued.fetch_add(1, SeqCst) + 1;
    let expires_at = Utc::now() + TimeDelta::seconds(mint.lifetime.load(SeqCst));
    (
        StatusCode::CREATED,
        Json(json!({"token": format!("tok-{n}"), "expires_at": expires_at.to_rfc3339()})),
    )
        .into_response()
}

async fn record(hits: Arc<Mutex<Vec<Hit>>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    hits.lock().unwrap().push(Hit {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        auth: parts
            .headers
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string()),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Serves `routes` plus the token endpoint on 127.0.0.1 with an ephemeral port.
pub async fn start(routes: Router) -> Fake {
    let mint = Arc::new(TokenMint::default());
    mint.lifetime.store(3600, SeqCst);
    let hits = Arc::new(Mutex::new(Vec::new()));
    let minter = mint.clone();
    let recorder = hits.clone();
    let router = routes
        .route(
            "/app/installations/{id}/access_tokens",
            post(move |headers: HeaderMap| mint_token(minter.clone(), headers)),
        )
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            record(recorder.clone(), request, next)
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Fake {
        url: Url::parse(&format!("http://{addr}/")).unwrap(),
        hits,
        mint,
    }
}

pub fn quick_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_rate_limit_wait: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
    }
}

pub fn app(fake: &Fake, metrics: Arc<Metrics>, policy: RetryPolicy) -> GitHubApp {
    let credentials = AppCredentials {
        app_id: APP_ID,
        private_key: SecretString::from(PRIVATE_KEY),
    };
    GitHubApp::new(credentials, fake.url.clone(), metrics, policy).unwrap()
}

pub fn issue_json(number: u64, title: &str) -> Value {
    json!({
        "number": number,
        "title": title,
        "body": format!("body of {number}"),
        "state": "open",
        "html_url": format!("https://github.com/acme/api/issues/{number}"),
        "user": {"login": "postmortem-bot[bot]", "type": "Bot"},
        "labels": [{"name": "postmortem"}, {"name": "follow-up"}],
        "assignees": [{"login": "alice", "type": "User"}],
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-02T10:00:00Z",
        "closed_at": null
    })
}

pub fn comment_json(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "body": body,
        "user": {"login": "postmortem-bot[bot]", "type": "Bot"},
        "html_url": format!("https://github.com/acme/api/issues/1#issuecomment-{id}"),
        "created_at": "2024-03-01T10:00:00Z"
    })
}
