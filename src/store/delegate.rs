//! `impl_store!`: the `Store` impl every backend shares, forwarding each method to the backend's
//! `queue`, `leases`, `tracking`, `sources` and `schedule` modules (free functions of the same
//! names taking `&self.pool` first).

macro_rules! impl_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn accept_delivery(
                &self,
                delivery: &$crate::ids::DeliveryId,
                event: &str,
                job: $crate::store::NewJob,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::store::DeliveryOutcome> {
                queue::accept_delivery(&self.pool, delivery, event, job, now).await
            }

            async fn enqueue(
                &self,
                job: $crate::store::NewJob,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<i64>> {
                queue::enqueue(&self.pool, job, now).await
            }

            async fn enqueue_many(
                &self,
                jobs: &[$crate::store::NewJob],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<Option<i64>>> {
                queue::enqueue_many(&self.pool, jobs, now).await
            }

            async fn claim_job(
                &self,
                worker: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease: chrono::Duration,
            ) -> $crate::store::StoreResult<Option<$crate::store::Job>> {
                queue::claim_job(&self.pool, worker, now, lease).await
            }

            async fn extend_lease(
                &self,
                job_id: i64,
                worker: &str,
                until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queue::extend_lease(&self.pool, job_id, worker, until).await
            }

            async fn complete_job(
                &self,
                job_id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queue::complete_job(&self.pool, job_id, now).await
            }

            async fn retry_job(
                &self,
                job_id: i64,
                error: &str,
                run_at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queue::retry_job(&self.pool, job_id, error, run_at).await
            }

            async fn bury_job(
                &self,
                job_id: i64,
                error: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queue::bury_job(&self.pool, job_id, error, now).await
            }

            async fn queue_stats(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::store::QueueStats> {
                queue::queue_stats(&self.pool, now).await
            }

            async fn next_run_at(
                &self,
            ) -> $crate::store::StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
                queue::next_run_at(&self.pool).await
            }

            async fn try_lease(
                &self,
                name: &str,
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease: chrono::Duration,
            ) -> $crate::store::StoreResult<bool> {
                leases::try_lease(&self.pool, name, holder, now, lease).await
            }

            async fn release_lease(
                &self,
                name: &str,
                holder: &str,
            ) -> $crate::store::StoreResult<()> {
                leases::release_lease(&self.pool, name, holder).await
            }

            async fn upsert_installation(
                &self,
                installation: $crate::ids::InstallationId,
                account: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                tracking::upsert_installation(&self.pool, installation, account, now).await
            }

            async fn delete_installation(
                &self,
                installation: $crate::ids::InstallationId,
            ) -> $crate::store::StoreResult<()> {
                tracking::delete_installation(&self.pool, installation).await
            }

            async fn add_repositories(
                &self,
                installation: $crate::ids::InstallationId,
                repos: &[$crate::ids::RepoName],
            ) -> $crate::store::StoreResult<()> {
                tracking::add_repositories(&self.pool, installation, repos).await
            }

            async fn remove_repositories(
                &self,
                installation: $crate::ids::InstallationId,
                repos: &[$crate::ids::RepoName],
            ) -> $crate::store::StoreResult<()> {
                tracking::remove_repositories(&self.pool, installation, repos).await
            }

            async fn list_repositories(
                &self,
                installation: $crate::ids::InstallationId,
            ) -> $crate::store::StoreResult<Vec<$crate::ids::RepoName>> {
                tracking::list_repositories(&self.pool, installation).await
            }

            async fn get_postmortem(
                &self,
                source: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::TrackedPostMortem>> {
                tracking::get_postmortem(&self.pool, source).await
            }

            async fn upsert_postmortem(
                &self,
                postmortem: &$crate::store::NewPostMortem,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::store::TrackedPostMortem> {
                tracking::upsert_postmortem(&self.pool, postmortem, now).await
            }

            async fn list_postmortems(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Vec<$crate::store::TrackedPostMortem>> {
                tracking::list_postmortems(&self.pool, repo).await
            }

            async fn list_follow_ups(
                &self,
                postmortem_id: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::TrackedFollowUp>> {
                tracking::list_follow_ups(&self.pool, postmortem_id).await
            }

            async fn upsert_follow_up(
                &self,
                follow_up: &$crate::store::TrackedFollowUp,
            ) -> $crate::store::StoreResult<()> {
                tracking::upsert_follow_up(&self.pool, follow_up).await
            }

            async fn find_follow_up_by_issue(
                &self,
                repo: &$crate::ids::RepoName,
                issue: $crate::ids::IssueNumber,
            ) -> $crate::store::StoreResult<Option<$crate::store::TrackedFollowUp>> {
                tracking::find_follow_up_by_issue(&self.pool, repo, issue).await
            }
            async fn get_repo_settings(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Option<$crate::store::StoredRepoSettings>> {
                sources::get_repo_settings(&self.pool, repo).await
            }

            async fn list_repo_settings(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredRepoSettings>> {
                sources::list_repo_settings(&self.pool).await
            }

            async fn put_repo_settings(
                &self,
                settings: &$crate::store::StoredRepoSettings,
            ) -> $crate::store::StoreResult<()> {
                sources::put_repo_settings(&self.pool, settings).await
            }

            async fn rename_postmortem_source(
                &self,
                old: &str,
                new: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<bool> {
                sources::rename_postmortem_source(&self.pool, old, new, now).await
            }

            async fn get_onboarding(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Option<$crate::store::Onboarding>> {
                sources::get_onboarding(&self.pool, repo).await
            }

            async fn put_onboarding(
                &self,
                onboarding: &$crate::store::Onboarding,
            ) -> $crate::store::StoreResult<()> {
                sources::put_onboarding(&self.pool, onboarding).await
            }

            async fn nag_candidates(
                &self,
                stale_before: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
                after: Option<&$crate::store::SweepCursor>,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::NagCandidate>> {
                schedule::nag_candidates(&self.pool, stale_before, now, after, limit).await
            }

            async fn record_nag(
                &self,
                postmortem_id: i64,
                key: &str,
                nag_count: u32,
                at: chrono::DateTime<chrono::Utc>,
                escalated: bool,
            ) -> $crate::store::StoreResult<()> {
                schedule::record_nag(&self.pool, postmortem_id, key, nag_count, at, escalated).await
            }

            async fn record_human_activity(
                &self,
                repo: &$crate::ids::RepoName,
                issue: $crate::ids::IssueNumber,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                schedule::record_human_activity(&self.pool, repo, issue, at).await
            }

            async fn set_snooze(
                &self,
                postmortem_id: i64,
                key: &str,
                until: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::store::StoreResult<()> {
                schedule::set_snooze(&self.pool, postmortem_id, key, until).await
            }

            async fn list_repo_follow_ups(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Vec<$crate::store::TrackedFollowUp>> {
                schedule::list_repo_follow_ups(&self.pool, repo).await
            }

            async fn digest_repositories(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::DigestRepository>> {
                schedule::digest_repositories(&self.pool).await
            }

            async fn digest_issue(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Option<$crate::ids::IssueNumber>> {
                schedule::digest_issue(&self.pool, repo).await
            }

            async fn set_digest_issue(
                &self,
                repo: &$crate::ids::RepoName,
                issue: $crate::ids::IssueNumber,
            ) -> $crate::store::StoreResult<()> {
                schedule::set_digest_issue(&self.pool, repo, issue).await
            }

            async fn record_digest(
                &self,
                record: &$crate::store::DigestRecord,
            ) -> $crate::store::StoreResult<()> {
                schedule::record_digest(&self.pool, record).await
            }

            async fn digest_history(
                &self,
                repo: &$crate::ids::RepoName,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::DigestRecord>> {
                schedule::digest_history(&self.pool, repo, limit).await
            }

            async fn set_time_to_resolve(
                &self,
                postmortem_id: i64,
                minutes: Option<i64>,
            ) -> $crate::store::StoreResult<()> {
                schedule::set_time_to_resolve(&self.pool, postmortem_id, minutes).await
            }

            async fn times_to_resolve(
                &self,
                repo: &$crate::ids::RepoName,
            ) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                schedule::times_to_resolve(&self.pool, repo).await
            }
        }
    };
}

pub(super) use impl_store;
