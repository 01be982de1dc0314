//! Installation access tokens: fetched with the App JWT, cached until shortly before they expire.

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use super::app::AppCore;
use super::error::GitHubError;
use crate::ids::InstallationId;

/// A token is replaced this long before GitHub's `expires_at`, so that none expires mid-job
/// (a clone or a long pagination can run for minutes).
pub const REFRESH_MARGIN: TimeDelta = TimeDelta::minutes(5);

pub(crate) struct CachedToken {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

impl CachedToken {
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        now + REFRESH_MARGIN < self.expires_at
    }
}

/// One installation's token. The async mutex is held across a refresh so that concurrent callers
/// wait for one token request instead of each making their own.
pub(crate) struct TokenCache {
    installation: InstallationId,
    slot: Mutex<Option<CachedToken>>,
}

impl TokenCache {
    pub fn new(installation: InstallationId) -> Self {
        Self {
            installation,
            slot: Mutex::new(None),
        }
    }

    pub async fn get(&self, core: &AppCore) -> Result<SecretString, GitHubError> {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref()
            && cached.usable_at(Utc::now())
        {
            return Ok(cached.token.clone());
        }
        let fresh = core.installation_token(self.installation).await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// Drops `rejected` (GitHub answered 401 to it) unless it was already replaced.
    pub async fn forget(&self, rejected: &SecretString) {
        let mut slot = self.slot.lock().await;
        if slot
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == rejected.expose_secret())
        {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_refreshed_five_minutes_early() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let token = |minutes| CachedToken {
            token: SecretString::from("t"),
            expires_at: now + TimeDelta::minutes(minutes),
        };
        assert!(token(60).usable_at(now));
        assert!(token(6).usable_at(now));
        assert!(!token(5).usable_at(now));
        assert!(!token(-1).usable_at(now));
    }
}
