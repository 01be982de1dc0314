//! The App's own credential: a short-lived RS256 JWT signed with its private key.

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use super::error::GitHubError;

/// Claims GitHub reads from an App JWT. `iss` is the App id as a string, which GitHub accepts and
/// which standard JWT validators can check as an issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

impl AppClaims {
    /// Backdated a minute against clock drift; GitHub refuses lifetimes over ten minutes.
    pub fn new(app_id: u64, now: DateTime<Utc>) -> Self {
        Self {
            iat: (now - TimeDelta::seconds(60)).timestamp(),
            exp: (now + TimeDelta::minutes(9)).timestamp(),
            iss: app_id.to_string(),
        }
    }
}

pub(crate) fn signing_key(pem: &str) -> Result<EncodingKey, GitHubError> {
    EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| GitHubError::Auth(format!("the App private key is not an RSA PEM key: {e}")))
}

pub(crate) fn sign(
    app_id: u64,
    key: &EncodingKey,
    now: DateTime<Utc>,
) -> Result<String, GitHubError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &AppClaims::new(app_id, now),
        key,
    )
    .map_err(|e| GitHubError::Auth(format!("cannot sign the App JWT: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_cover_now_with_drift_allowance() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let claims = AppClaims::new(123, now);
        assert_eq!(claims.iat, 1_700_000_000 - 60);
        assert_eq!(claims.exp, 1_700_000_000 + 540);
        assert_eq!(claims.iss, "123");
    }

    #[test]
    fn a_bad_key_is_an_auth_error() {
        assert!(matches!(
            signing_key("not a key"),
            Err(GitHubError::Auth(_))
        ));
    }
}
