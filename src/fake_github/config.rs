//! How a fake GitHub is set up: the App it pretends to host and the knobs tests turn.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The public half of the test keypair in `tests/fixtures/`, so tests need no file handling.
const TEST_PUBLIC_KEY_PEM: &str = include_str!("../../tests/fixtures/test-app-key.pub.pem");

/// The App the fake hosts, and the fake's own settings.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Where to listen; `127.0.0.1:0` picks a free port.
    pub bind: SocketAddr,
    pub app_id: u64,
    /// The App's slug; its bot user is `<slug>[bot]`.
    pub app_slug: String,
    pub app_name: String,
    /// The account that owns the App.
    pub app_owner: String,
    /// PEM of the App's public key; App JWTs must verify against it.
    pub public_key_pem: String,
    /// Lifetime of installation tokens (GitHub: one hour).
    pub token_ttl: Duration,
    /// Base of the `html_url`s the fake hands out (GitHub: `https://github.com`).
    pub html_url: String,
    /// The rate-limit budget reported in `x-ratelimit-limit`, per installation per hour.
    pub rate_limit: u32,
}

impl FakeConfig {
    pub fn new(app_id: u64, public_key_pem: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            app_id,
            app_slug: "postmortem-bot".to_string(),
            app_name: "postmortem-bot".to_string(),
            app_owner: "postmortem-bot-owner".to_string(),
            public_key_pem: public_key_pem.into(),
            token_ttl: Duration::from_secs(3600),
            html_url: "https://github.com".to_string(),
            rate_limit: 5000,
        }
    }

    /// App id 1 with the public key of `tests/fixtures/test-app-key.pem`.
    pub fn for_tests() -> Self {
        Self::new(1, TEST_PUBLIC_KEY_PEM)
    }

    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.app_slug)
    }
}

/// What `POST /app-manifests/{code}/conversions` answers for a code a test registered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestConversion {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub owner: String,
    pub pem: String,
    pub webhook_secret: Option<String>,
    pub client_id: String,
    pub client_secret: String,
}

impl ManifestConversion {
    /// A conversion with plausible values for everything but the key.
    pub fn new(id: u64, slug: &str, pem: impl Into<String>) -> Self {
        Self {
            id,
            slug: slug.to_string(),
            name: slug.to_string(),
            owner: "octo-org".to_string(),
            pem: pem.into(),
            webhook_secret: Some(format!("whsec-{id}")),
            client_id: format!("Iv1.{id:016x}"),
            client_secret: format!("client-secret-{id}"),
        }
    }
}
