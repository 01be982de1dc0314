//! The GitHub App: its JWT, one cached client per installation, `GET /app`, and manifest conversion.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use jsonwebtoken::EncodingKey;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::sync::OnceCell;
use url::Url;

use super::api_wire::{ApiApp, ApiManifestConversion, ApiToken};
use super::client::InstallationClient;
use super::error::GitHubError;
use super::jwt;
use super::models::AppInfo;
use super::paths;
use super::retry::RetryPolicy;
use super::token::CachedToken;
use super::transport::{Answer, Call, Replay, Transport};
use crate::ids::InstallationId;
use crate::metrics::Metrics;

/// What GitHub issued when the App was registered.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: u64,
    /// The App's RSA private key, PEM text.
    pub private_key: SecretString,
}

/// What the App shares with its installation clients: identity, key and HTTP transport.
pub(crate) struct AppCore {
    app_id: u64,
    key: EncodingKey,
    pub(crate) transport: Transport,
}

impl AppCore {
    fn jwt(&self) -> Result<SecretString, GitHubError> {
        jwt::sign(self.app_id, &self.key, Utc::now()).map(SecretString::from)
    }

    async fn app_call(&self, call: &Call) -> Result<Answer, GitHubError> {
        let jwt = self.jwt()?;
        self.transport.send(call, Some(&jwt)).await
    }

    /// `POST /app/installations/{id}/access_tokens`: repeating it only mints another token.
    pub(crate) async fn installation_token(
        &self,
        id: InstallationId,
    ) -> Result<CachedToken, GitHubError> {
        let call = Call::post(
            format!("/app/installations/{id}/access_tokens"),
            json!({}),
            Replay::Safe,
        );
        let answer = self.app_call(&call).await?;
        match answer.status.as_u16() {
            200..=299 => {
                let token: ApiToken = answer.json()?;
                Ok(CachedToken {
                    token: SecretString::from(token.token),
                    expires_at: token.expires_at,
                })
            }
            401 | 403 => Err(GitHubError::Auth(format!(
                "GitHub refused an access token for installation {id}: {}",
                answer.message()
            ))),
            _ => Err(answer.into_error()),
        }
    }
}

/// The App. Cheap to clone; build one per process.
#[derive(Clone)]
pub struct GitHubApp {
    inner: Arc<AppInner>,
}

struct AppInner {
    core: Arc<AppCore>,
    api_url: Url,
    clients: Mutex<HashMap<InstallationId, InstallationClient>>,
    info: OnceCell<AppInfo>,
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApp")
            .field("app_id", &self.inner.core.app_id)
            .field("api_url", &self.inner.api_url.as_str())
            .finish_non_exhaustive()
    }
}

impl GitHubApp {
    /// Fails only on a private key that is not an RSA PEM key or an unusable `api_url`; nothing is
    /// sent to GitHub yet.
    pub fn new(
        credentials: AppCredentials,
        api_url: Url,
        metrics: Arc<Metrics>,
        policy: RetryPolicy,
    ) -> Result<Self, GitHubError> {
        let key = jwt::signing_key(credentials.private_key.expose_secret())?;
        let transport = Transport::new(&api_url, metrics, policy)?;
        Ok(Self {
            inner: Arc::new(AppInner {
                core: Arc::new(AppCore {
                    app_id: credentials.app_id,
                    key,
                    transport,
                }),
                api_url,
                clients: Mutex::new(HashMap::new()),
                info: OnceCell::new(),
            }),
        })
    }

    pub fn app_id(&self) -> u64 {
        self.inner.core.app_id
    }

    pub fn api_url(&self) -> &Url {
        &self.inner.api_url
    }

    /// A fresh App JWT (valid nine minutes), for calls this module does not wrap.
    pub fn jwt(&self) -> Result<SecretString, GitHubError> {
        self.inner.core.jwt()
    }

    /// The client for `id`: one per installation for the life of the process, so its token cache
    /// and its lock on mutating calls are shared by every job. Makes sure a token can be had, so a
    /// removed installation or a refused key shows up here.
    pub async fn installation(
        &self,
        id: InstallationId,
    ) -> Result<InstallationClient, GitHubError> {
        let client = {
            let mut clients = self
                .inner
                .clients
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            clients
                .entry(id)
                .or_insert_with(|| InstallationClient::new(self.inner.core.clone(), id))
                .clone()
        };
        client.token().await?;
        Ok(client)
    }

    /// Drops the cached client of an installation that was removed.
    pub fn forget_installation(&self, id: InstallationId) {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id);
    }

    /// `GET /app`, asked once per process.
    pub async fn app_info(&self) -> Result<AppInfo, GitHubError> {
        self.inner
            .info
            .get_or_try_init(|| async {
                let answer = self.inner.core.app_call(&Call::get("/app")).await?;
                AppInfo::try_from(answer.success_json::<ApiApp>()?)
            })
            .await
            .cloned()
    }

    /// `{slug}[bot]`, once `app_info` has succeeded.
    pub fn bot_login(&self) -> Option<String> {
        self.inner.info.get().map(AppInfo::bot_login)
    }
}

/// What GitHub returns when a manifest registration is completed.
#[derive(Debug, Clone)]
pub struct ManifestConversion {
    pub id: u64,
    pub slug: String,
    pub html_url: String,
    pub pem: SecretString,
    pub webhook_secret: SecretString,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// Exchanges the `code` from GitHub's App-manifest redirect for the new App's credentials
/// (`POST /app-manifests/{code}/conversions`, no authentication). The code works once, so a lost
/// answer is `Ambiguous` and is not retried.
pub async fn convert_manifest(
    api_url: &Url,
    code: &str,
) -> Result<ManifestConversion, GitHubError> {
    let transport = Transport::new(api_url, Arc::new(Metrics::new()), RetryPolicy::default())?;
    let call = Call {
        body: None,
        ..Call::post(
            format!("/app-manifests/{}/conversions", paths::segment(code)),
            json!({}),
            Replay::Unsafe,
        )
    };
    let answer: ApiManifestConversion = transport.send(&call, None).await?.success_json()?;
    let webhook_secret = answer.webhook_secret.ok_or_else(|| {
        GitHubError::Decode(format!(
            "the App was registered without a webhook secret; set one at {}",
            answer.html_url
        ))
    })?;
    Ok(ManifestConversion {
        id: answer.id,
        slug: answer.slug.unwrap_or_default(),
        html_url: answer.html_url,
        pem: SecretString::from(answer.pem),
        webhook_secret: SecretString::from(webhook_secret),
        client_id: answer.client_id,
        client_secret: SecretString::from(answer.client_secret),
    })
}
