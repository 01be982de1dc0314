//! Who is calling: the App (a JWT signed with its key), an installation (a token the fake minted),
//! nobody, or someone whose credentials GitHub would refuse.

use std::collections::{BTreeSet, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::record::AuthKind;
use super::state::State;
use crate::ids::{InstallationId, RepoName};

/// GitHub's allowance for drift between the App's clock and its own.
const CLOCK_SKEW_SECS: i64 = 60;
/// The longest an App JWT may live.
const MAX_JWT_LIFETIME_SECS: i64 = 600;

#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Anonymous,
    App,
    Installation {
        id: InstallationId,
        /// Present when the token was narrowed to some repositories.
        scope: Option<BTreeSet<RepoName>>,
    },
    /// Credentials were sent and refused; the message is GitHub's.
    Rejected(String),
}

impl Caller {
    pub fn kind(&self) -> AuthKind {
        match self {
            Caller::Anonymous => AuthKind::None,
            Caller::App => AuthKind::AppJwt,
            Caller::Installation { id, .. } => AuthKind::Installation(*id),
            Caller::Rejected(_) => AuthKind::Rejected,
        }
    }

    /// The rate-limit bucket the request counts against.
    pub fn bucket(&self) -> String {
        match self {
            Caller::Anonymous | Caller::Rejected(_) => "anonymous".to_string(),
            Caller::App => "app".to_string(),
            Caller::Installation { id, .. } => format!("installation:{id}"),
        }
    }
}

/// Reads an `Authorization` header the way GitHub does.
pub(crate) fn classify(
    header: Option<&str>,
    key: &DecodingKey,
    app_id: u64,
    state: &State,
    now: DateTime<Utc>,
) -> Caller {
    let Some(header) = header.map(str::trim) else {
        return Caller::Anonymous;
    };
    let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
    let credentials = credentials.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "token" => installation_token(credentials, state, now),
        "bearer" if state.tokens.contains_key(credentials) => {
            installation_token(credentials, state, now)
        }
        "bearer" if credentials.matches('.').count() == 2 => {
            match verify_app_jwt(credentials, key, app_id, now) {
                Ok(()) => Caller::App,
                Err(message) => Caller::Rejected(message),
            }
        }
        "basic" => {
            // git over HTTPS: `x-access-token:<installation token>`.
            let decoded = STANDARD
                .decode(credentials)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((_, password)) => installation_token(password, state, now),
                None => Caller::Rejected("Bad credentials".to_string()),
            }
        }
        _ => Caller::Rejected("Bad credentials".to_string()),
    }
}

fn installation_token(token: &str, state: &State, now: DateTime<Utc>) -> Caller {
    match state.tokens.get(token) {
        Some(t) if t.expires_at > now && state.installations.contains_key(&t.installation) => {
            Caller::Installation {
                id: t.installation,
                scope: t.repos.clone(),
            }
        }
        _ => Caller::Rejected("Bad credentials".to_string()),
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<Value>,
    iat: Option<Value>,
    exp: Option<Value>,
}

/// Checks an App JWT: RS256 under the App's public key, `iss` the App id (number or string),
/// `iat` not in the future and `exp` not past (both within the skew), at most ten minutes long.
pub(crate) fn verify_app_jwt(
    token: &str,
    key: &DecodingKey,
    app_id: u64,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let mut validation = Validation::new(Algorithm::RS256);
    // Time and issuer are checked below with GitHub's rules and messages.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|_| "A JSON web token could not be decoded".to_string())?
        .claims;
    let now = now.timestamp();
    let iat = claims.iat.as_ref().and_then(Value::as_i64).ok_or_else(|| {
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued".to_string()
    })?;
    let exp = claims.exp.as_ref().and_then(Value::as_i64).ok_or_else(|| {
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires".to_string()
    })?;
    if iat > now + CLOCK_SKEW_SECS {
        return Err(
            "'Issued at' claim ('iat') must be an Integer representing a time in the past"
                .to_string(),
        );
    }
    if exp <= now - CLOCK_SKEW_SECS {
        return Err("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires".to_string());
    }
    if exp - iat > MAX_JWT_LIFETIME_SECS || exp > now + MAX_JWT_LIFETIME_SECS + CLOCK_SKEW_SECS {
        return Err("'Expiration time' claim ('exp') is too far in the future".to_string());
    }
    let issuer_matches = match &claims.iss {
        Some(Value::Number(n)) => n.as_u64() == Some(app_id),
        Some(Value::String(s)) => s.trim() == app_id.to_string(),
        _ => false,
    };
    if !issuer_matches {
        return Err("'Issuer' claim ('iss') must be the id of this GitHub App".to_string());
    }
    Ok(())
}
