//! Each repository's nag and digest settings, from its last valid `.github/postmortem.yml` as
//! the store keeps it: read once per sweep for every repository, or once for one repository.

use std::collections::HashMap;

use crate::ids::RepoName;
use crate::policy::ScheduleSettings;
use crate::repo_config;
use crate::store::{Store, StoreResult, StoredRepoSettings};

/// The settings of every repository with a stored settings file; the rest get the defaults.
#[derive(Debug, Default)]
pub struct ScheduleBook {
    by_repo: HashMap<RepoName, ScheduleSettings>,
    defaults: ScheduleSettings,
}

impl ScheduleBook {
    /// One store read for a whole sweep, however many repositories it covers.
    pub async fn load(store: &dyn Store) -> StoreResult<Self> {
        Ok(Self::from_stored(&store.list_repo_settings().await?))
    }

    pub fn from_stored(stored: &[StoredRepoSettings]) -> Self {
        let by_repo = stored
            .iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| (s.repo.clone(), from_text(&s.text)))
            .collect();
        Self {
            by_repo,
            defaults: ScheduleSettings::default(),
        }
    }

    pub fn get(&self, repo: &RepoName) -> &ScheduleSettings {
        self.by_repo.get(repo).unwrap_or(&self.defaults)
    }

    /// An owned copy, in the shape the sweep planners take.
    pub fn settings_for(&self, repo: &RepoName) -> ScheduleSettings {
        self.get(repo).clone()
    }

    /// The fewest quiet days any repository waits before a follow-up is stale: the sweep's store
    /// query must reach back no further than that to see every candidate.
    pub fn stale_floor_days(&self) -> u32 {
        self.by_repo
            .values()
            .map(|s| s.stale.days)
            .fold(self.defaults.stale.days, u32::min)
    }
}

/// The settings of one repository (the defaults when it never had a settings file).
pub async fn for_repo(store: &dyn Store, repo: &RepoName) -> StoreResult<ScheduleSettings> {
    Ok(store
        .get_repo_settings(repo)
        .await?
        .map_or_else(ScheduleSettings::default, |s| from_text(&s.text)))
}

/// Stored text was valid when stored; if a newer App refuses it, the defaults keep nags and
/// digests going rather than stopping the repository.
fn from_text(text: &str) -> ScheduleSettings {
    repo_config::parse(text).unwrap_or_default().schedule()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::ids::InstallationId;

    fn stored(repo: &str, text: &str) -> StoredRepoSettings {
        StoredRepoSettings {
            installation_id: InstallationId(1),
            repo: repo.parse().unwrap(),
            text: text.to_string(),
            commit: None,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn repositories_without_a_file_get_the_defaults_and_the_floor_is_the_smallest_wait() {
        let book = ScheduleBook::from_stored(&[
            stored("o/quick", "stale: {days: 3}\n"),
            stored("o/slow", "stale: {days: 30}\ntimezone: Asia/Tokyo\n"),
            stored("o/empty", ""),
        ]);
        let repo = |name: &str| name.parse::<RepoName>().unwrap();
        assert_eq!(book.get(&repo("o/quick")).stale.days, 3);
        assert_eq!(
            book.get(&repo("o/slow")).digest.tz(),
            chrono_tz::Asia::Tokyo
        );
        assert_eq!(book.get(&repo("o/empty")), &ScheduleSettings::default());
        assert_eq!(book.get(&repo("o/none")), &ScheduleSettings::default());
        assert_eq!(book.stale_floor_days(), 3);
        assert_eq!(ScheduleBook::default().stale_floor_days(), 14);
    }
}
