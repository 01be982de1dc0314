//! The App layer against tiny local servers: JWT, token caching and refresh, `GET /app`, and the
//! manifest conversion.

mod github_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use github_support::{APP_ID, quick_policy, start, verify_jwt};
use postmortem_bot::github::{GitHubError, convert_manifest};
use postmortem_bot::ids::{InstallationId, RepoName};
use postmortem_bot::metrics::Metrics;
use secrecy::ExposeSecret;
use serde_json::json;

fn repo_route() -> Router {
    Router::new().route(
        "/repos/acme/api",
        get(|| async {
            Json(json!({"default_branch": "main", "has_wiki": false,
                        "html_url": "https://github.com/acme/api"}))
        }),
    )
}

#[tokio::test]
async fn the_app_jwt_validates_with_the_public_key() {
    let fake = start(Router::new()).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let before = Utc::now().timestamp();
    let claims = verify_jwt(app.jwt().unwrap().expose_secret()).unwrap();
    assert_eq!(claims.iss, APP_ID.to_string());
    assert_eq!(claims.exp - claims.iat, 600);
    assert!(claims.iat <= before - 59 && claims.iat >= before - 61);

    // The token endpoint (which checks the JWT the same way) accepted it.
    app.installation(InstallationId(1)).await.unwrap();
    assert_eq!(fake.issued(), 1);
    assert_eq!(fake.mint.claims.lock().unwrap()[0].iss, "42");
}

#[tokio::test]
async fn a_token_is_cached_per_installation() {
    let fake = start(repo_route()).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let repo = RepoName::new("acme", "api");

    let client = app.installation(InstallationId(1)).await.unwrap();
    client.get_repo(&repo).await.unwrap();
    let again = app.installation(InstallationId(1)).await.unwrap();
    again.get_repo(&repo).await.unwrap();
    assert_eq!(client.token().await.unwrap().expose_secret(), "tok-1");
    assert_eq!(fake.issued(), 1);

    let other = app.installation(InstallationId(2)).await.unwrap();
    assert_eq!(other.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(
        fake.hits_to("POST", "/app/installations/2/access_tokens")
            .len(),
        1
    );
    assert_eq!(fake.issued(), 2);
}

#[tokio::test]
async fn a_token_close_to_expiry_is_refreshed_on_next_use() {
    let fake = start(repo_route()).await;
    // Four minutes left: inside the five-minute margin, so never good enough to reuse.
    fake.mint.lifetime.store(4 * 60, SeqCst);
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let repo = RepoName::new("acme", "api");

    let client = app.installation(InstallationId(1)).await.unwrap();
    assert_eq!(fake.issued(), 1);
    client.get_repo(&repo).await.unwrap();
    assert_eq!(fake.issued(), 2);
    // From now on tokens last an hour: the next refresh is the last one.
    fake.mint.lifetime.store(3600, SeqCst);
    client.get_repo(&repo).await.unwrap();
    client.get_repo(&repo).await.unwrap();
    assert_eq!(fake.issued(), 3);
    let auths: Vec<String> = fake
        .hits_to("GET", "/repos/acme/api")
        .into_iter()
        .map(|h| h.auth.unwrap())
        .collect();
    assert_eq!(auths, ["Bearer tok-2", "Bearer tok-3", "Bearer tok-3"]);
}

#[tokio::test]
async fn a_rejected_token_is_replaced_once() {
    let fake = start(Router::new().route(
        "/repos/acme/api",
        get(|headers: HeaderMap| async move {
            if headers[AUTHORIZATION] == "Bearer tok-1" {
                (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"message": "Bad credentials"})),
                )
                    .into_response()
            } else {
                Json(json!({"default_branch": "trunk", "has_wiki": true,
                            "html_url": "https://github.com/acme/api"}))
                .into_response()
            }
        }),
    ))
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(1)).await.unwrap();

    let info = client
        .get_repo(&RepoName::new("acme", "api"))
        .await
        .unwrap();
    assert_eq!(info.default_branch, "trunk");
    assert_eq!(fake.issued(), 2);
}

#[tokio::test]
async fn a_refused_installation_is_an_auth_error() {
    let fake = start(Router::new()).await;
    fake.mint
        .refuse
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let err = app.installation(InstallationId(9)).await.err().unwrap();
    assert!(matches!(err, GitHubError::Auth(_)), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn forgetting_an_installation_drops_its_client() {
    let fake = start(Router::new()).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    app.installation(InstallationId(1)).await.unwrap();
    app.installation(InstallationId(1)).await.unwrap();
    assert_eq!(fake.issued(), 1);
    app.forget_installation(InstallationId(1));
    app.installation(InstallationId(1)).await.unwrap();
    assert_eq!(fake.issued(), 2);
}

#[tokio::test]
async fn app_info_is_fetched_once_and_names_the_bot() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let fake = start(Router::new().route(
        "/app",
        get(move |headers: HeaderMap| {
            counter.fetch_add(1, SeqCst);
            async move {
                let jwt = headers[AUTHORIZATION]
                    .to_str()
                    .unwrap()
                    .strip_prefix("Bearer ")
                    .unwrap()
                    .to_string();
                assert!(verify_jwt(&jwt).is_ok(), "GET /app must carry the App JWT");
                Json(
                    json!({"id": 42, "slug": "postmortem-bot", "name": "Postmortem Bot",
                            "html_url": "https://github.com/apps/postmortem-bot"}),
                )
            }
        }),
    ))
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());

    assert_eq!(app.bot_login(), None);
    let info = app.app_info().await.unwrap();
    assert_eq!(info.slug, "postmortem-bot");
    assert_eq!(info.id, 42);
    app.app_info().await.unwrap();
    assert_eq!(calls.load(SeqCst), 1);
    assert_eq!(app.bot_login().as_deref(), Some("postmortem-bot[bot]"));
}

#[tokio::test]
async fn a_manifest_code_is_converted_without_authentication() {
    let fake = start(Router::new().route(
        "/app-manifests/{code}/conversions",
        post(|headers: HeaderMap| async move {
            assert!(headers.get(AUTHORIZATION).is_none());
            (
                StatusCode::CREATED,
                Json(json!({
                    "id": 77, "slug": "pm-bot", "name": "pm bot", "node_id": "x",
                    "owner": {"login": "acme"},
                    "html_url": "https://github.com/apps/pm-bot",
                    "pem": "-----BEGIN RSA PRIVATE KEY-----\nsecretkey\n-----END RSA PRIVATE KEY-----\n",
                    "webhook_secret": "whsec-123",
                    "client_id": "Iv1.abc", "client_secret": "cs-456"
                })),
            )
        }),
    ))
    .await;

    let conversion = convert_manifest(&fake.url, "code-abc").await.unwrap();
    assert_eq!(conversion.id, 77);
    assert_eq!(conversion.slug, "pm-bot");
    assert_eq!(conversion.client_id, "Iv1.abc");
    assert_eq!(conversion.webhook_secret.expose_secret(), "whsec-123");
    assert_eq!(conversion.client_secret.expose_secret(), "cs-456");
    assert!(conversion.pem.expose_secret().contains("secretkey"));
    let printed = format!("{conversion:?}");
    for secret in ["secretkey", "whsec-123", "cs-456"] {
        assert!(!printed.contains(secret), "{secret} leaked into Debug");
    }
    assert_eq!(
        fake.hits_to("POST", "/app-manifests/code-abc/conversions")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_even_for_one_shot_posts() {
    // A port nobody listens on: the request never left, so it is not ambiguous.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = url::Url::parse(&format!("http://{addr}/")).unwrap();
    let err = convert_manifest(&url, "code").await.unwrap_err();
    assert!(matches!(err, GitHubError::Transport(_)), "{err:?}");
}
