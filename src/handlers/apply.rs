//! Plan, then apply: brings one post-mortem source's follow-up issues and tracking section in step.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use anyhow::Context as _;
use chrono::Utc;
use tracing::{info, warn};

use super::Handlers;
use crate::github::{InstallationClient, IssuePatch, IssueState, NewIssue};
use crate::ids::{InstallationId, IssueNumber, RepoName};
use crate::plan::{self, Action};
use crate::postmortem::FollowUp;
use crate::render::{self, Origin, SectionEntry, Summary};
use crate::render_sources;
use crate::repo_config::{OnDoneInDoc, OnRemoved, RepoSettings, Tracking};
use crate::store::{FollowUpState, NewPostMortem, TrackedFollowUp, TrackedPostMortem};

/// Labels known to exist, so each is checked once per repository per process.
#[derive(Debug, Default)]
pub struct LabelCache(Mutex<HashSet<String>>);

impl LabelCache {
    /// Creates the App's own labels once; other labels the settings name GitHub creates on use.
    pub(super) async fn ensure(
        &self,
        client: &InstallationClient,
        repo: &RepoName,
    ) -> anyhow::Result<()> {
        let labels = [
            (
                render::LABEL_POSTMORTEM,
                "b60205",
                "Tracked by postmortem-bot",
            ),
            (
                render::LABEL_FOLLOW_UP,
                "0e8a16",
                "A follow-up item from a post-mortem",
            ),
        ];
        for (name, color, description) in labels {
            let key = format!("{repo}\0{name}");
            let known = self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .contains(&key);
            if !known {
                client
                    .ensure_label(repo, name, color, description)
                    .await
                    .with_context(|| format!("creating the label `{name}`"))?;
                self.0
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(key);
            }
        }
        Ok(())
    }
}

/// One post-mortem as read from its source, ready to be applied.
pub struct SourceDocument<'a> {
    pub installation: InstallationId,
    pub repo: &'a RepoName,
    /// The source's identity (`Source` string, plus `@incident` for one incident of a page).
    pub source: String,
    pub title: String,
    /// The issue whose bot-owned section lists the follow-ups.
    pub tracking_issue: IssueNumber,
    pub author: Option<String>,
    /// How follow-up issues link back: `#12`, or a URL of the file or page.
    pub origin_link: String,
    pub follow_ups: &'a [FollowUp],
    /// Issues bound since then count as opened by this run (an earlier attempt of the same job
    /// may have opened them before failing).
    pub since: chrono::DateTime<Utc>,
    /// The repository's settings (labels, owners, tracking, on_removed, on_done_in_doc).
    pub settings: &'a RepoSettings,
    /// For a tracking issue the App opened and titled: its title now and the one it should have.
    pub retitle: Option<Retitle>,
}

/// A tracking issue's title that follows its document's: changed only while it is still the
/// title the App gave it, so a title a person chose stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retitle {
    pub from: String,
    pub to: String,
}

pub struct ApplyOutcome {
    pub summary: Summary,
    pub postmortem: TrackedPostMortem,
}

/// Reads the tracked state, plans, applies every action, then refreshes the tracking section.
pub async fn sync_source(
    handlers: &Handlers,
    client: &InstallationClient,
    doc: SourceDocument<'_>,
) -> anyhow::Result<ApplyOutcome> {
    let _source = handlers.locks.source(&doc.source).await?;
    let store = &handlers.store;
    let now = Utc::now();
    let postmortem = store
        .upsert_postmortem(
            &NewPostMortem {
                installation_id: doc.installation,
                repo: doc.repo.clone(),
                source: doc.source.clone(),
                title: doc.title.clone(),
                tracking_issue: Some(doc.tracking_issue),
                author: doc.author.clone(),
            },
            now,
        )
        .await?;
    let tracked = store.list_follow_ups(postmortem.id).await?;
    let keys = plan::keys_for(&doc.source, doc.follow_ups);
    let actions = plan::plan(doc.follow_ups, &keys, &tracked, doc.repo);
    let mut run = Run {
        handlers,
        client,
        doc: &doc,
        postmortem: &postmortem,
        tracked: tracked.iter().map(|t| (t.key.clone(), t.clone())).collect(),
        existing_markers: None,
        assignable: HashMap::new(),
        summary: Summary::default(),
    };
    for action in &actions {
        run.apply(action).await?;
    }
    let summary = std::mem::take(&mut run.summary);
    let section = run.section(&actions);
    refresh_section(
        client,
        doc.repo,
        doc.tracking_issue,
        &section,
        doc.retitle.as_ref(),
    )
    .await?;
    info!(
        source = %doc.source,
        opened = summary.opened.len(),
        updated = summary.updated.len(),
        unchanged = summary.unchanged,
        "post-mortem in step"
    );
    Ok(ApplyOutcome {
        summary,
        postmortem,
    })
}

/// The tracking issue was deleted (or moved away): callers that own it may open another.
#[derive(Debug, thiserror::Error)]
#[error("the tracking issue #{0} is gone")]
pub struct TrackingIssueGone(pub IssueNumber);

/// Rewrites the tracking issue's bot-owned section when it changed, leaving the author's text as
/// is, and its title when `retitle` applies; one PATCH for both.
async fn refresh_section(
    client: &InstallationClient,
    repo: &RepoName,
    issue: IssueNumber,
    section: &str,
    retitle: Option<&Retitle>,
) -> anyhow::Result<()> {
    // Read right before writing, so an edit the author just made is kept.
    let current = client
        .get_issue(repo, issue)
        .await?
        .ok_or(TrackingIssueGone(issue))?;
    let title = retitle
        .filter(|r| r.from != r.to && current.title == r.from)
        .map(|r| r.to.clone());
    let body = current.body.unwrap_or_default();
    let updated = render::with_tracking_section(&body, section);
    let body = (updated != body).then_some(updated);
    if title.is_some() || body.is_some() {
        client
            .update_issue(
                repo,
                issue,
                &IssuePatch {
                    title,
                    body,
                    ..IssuePatch::default()
                },
            )
            .await
            .context("updating the tracking issue")?;
    }
    Ok(())
}

struct Run<'a> {
    handlers: &'a Handlers,
    client: &'a InstallationClient,
    doc: &'a SourceDocument<'a>,
    postmortem: &'a TrackedPostMortem,
    /// By key; updated as actions land, so the section reflects the result.
    tracked: HashMap<String, TrackedFollowUp>,
    /// Marker key → issue, from the bot's own issues; read once, before the first create.
    existing_markers: Option<HashMap<String, IssueNumber>>,
    /// Login → assignable here, asked once per run.
    assignable: HashMap<String, bool>,
    summary: Summary,
}

impl Run<'_> {
    fn origin(&self) -> Origin<'_> {
        Origin {
            link: &self.doc.origin_link,
            title: &self.doc.title,
        }
    }

    fn record(&self, key: &str, item: &FollowUp, position: usize) -> TrackedFollowUp {
        let previous = self.tracked.get(key);
        TrackedFollowUp {
            postmortem_id: self.postmortem.id,
            key: key.to_string(),
            title: item.title.clone(),
            issue: previous.and_then(|p| p.issue),
            adopted: previous.is_some_and(|p| p.adopted),
            state: previous
                .map(|p| p.state)
                .filter(|s| *s != FollowUpState::Removed)
                .unwrap_or(FollowUpState::Open),
            done_in_doc: item.done,
            owner: item.owner.as_deref().map(str::to_string),
            due: item.due.as_deref().map(str::to_string),
            priority: item.priority.as_deref().map(str::to_string),
            body_hash: plan::fingerprint(item),
            position: position as i64,
            last_human_activity: previous.and_then(|p| p.last_human_activity),
            nag_count: previous.map_or(0, |p| p.nag_count),
            last_nag_at: previous.and_then(|p| p.last_nag_at),
            escalated: previous.is_some_and(|p| p.escalated),
            snoozed_until: previous.and_then(|p| p.snoozed_until),
            created_at: previous.map_or_else(Utc::now, |p| p.created_at),
            closed_at: previous.and_then(|p| p.closed_at),
        }
    }

    async fn save(&mut self, follow_up: TrackedFollowUp) -> anyhow::Result<()> {
        self.handlers.store.upsert_follow_up(&follow_up).await?;
        self.tracked.insert(follow_up.key.clone(), follow_up);
        Ok(())
    }

    async fn apply(&mut self, action: &Action) -> anyhow::Result<()> {
        let items = self.doc.follow_ups;
        match action {
            Action::Create { key, item } => self.create(key, *item, &items[*item]).await?,
            Action::Adopt { key, item, issue } => {
                let mut record = self.record(key, &items[*item], *item);
                record.issue = Some(*issue);
                record.adopted = true;
                self.link_sub_issue(*issue).await;
                // The adopted issue's own state decides its checkbox.
                match self.client.get_issue(self.doc.repo, *issue).await? {
                    Some(found) if found.state == IssueState::Closed => {
                        record.state = FollowUpState::Closed;
                    }
                    Some(_) => {}
                    None => warn!(issue = %issue, "the item names an issue that does not exist"),
                }
                self.save(record).await?;
                self.summary.adopted.push(*issue);
            }
            Action::TrackElsewhere { key, item, .. } => {
                let mut record = self.record(key, &items[*item], *item);
                record.adopted = true;
                self.save(record).await?;
                self.summary.elsewhere += 1;
            }
            Action::RecordDone { key, item } => {
                let mut record = self.record(key, &items[*item], *item);
                record.state = FollowUpState::Closed;
                self.save(record).await?;
                self.summary.already_done += 1;
            }
            Action::Update { key, item, issue } => {
                let follow_up = &items[*item];
                let assigned = self.owner_note_needed(follow_up).await?;
                let updated = self
                    .client
                    .update_issue(
                        self.doc.repo,
                        *issue,
                        &IssuePatch {
                            title: Some(render::issue_title(follow_up)),
                            body: Some(render::follow_up_body(
                                follow_up,
                                key,
                                &self.origin(),
                                assigned,
                            )),
                            ..IssuePatch::default()
                        },
                    )
                    .await;
                if self.gone_if_not_found(key, *issue, &updated).await? {
                    return Ok(());
                }
                updated.with_context(|| format!("updating #{issue}"))?;
                let record = self.record(key, follow_up, *item);
                self.save(record).await?;
                self.summary.updated.push(*issue);
            }
            Action::CloseDone { key, item, issue } => {
                let close = self.doc.settings.on_done_in_doc == OnDoneInDoc::Close;
                let comment = if close {
                    render::done_in_document_comment(&self.origin())
                } else {
                    render_sources::done_in_document_note(&self.origin())
                };
                let commented = self
                    .client
                    .create_comment(self.doc.repo, *issue, &comment)
                    .await;
                if self.gone_if_not_found(key, *issue, &commented).await? {
                    return Ok(());
                }
                commented?;
                if !close {
                    // Left open: the record learns the item is done, so this runs once.
                    let record = self.record(key, &items[*item], *item);
                    self.save(record).await?;
                    self.summary.unchanged += 1;
                    return Ok(());
                }
                self.client
                    .update_issue(
                        self.doc.repo,
                        *issue,
                        &IssuePatch {
                            state: Some(IssueState::Closed),
                            state_reason: Some("completed".to_string()),
                            ..IssuePatch::default()
                        },
                    )
                    .await
                    .with_context(|| format!("closing #{issue}"))?;
                let mut record = self.record(key, &items[*item], *item);
                record.state = FollowUpState::Closed;
                record.closed_at = Some(Utc::now());
                self.save(record).await?;
                self.summary.closed.push(*issue);
            }
            Action::Remove { key, issue } => {
                if let Some(issue) = issue {
                    let close = self.doc.settings.on_removed == OnRemoved::Close;
                    let comment = if close {
                        render_sources::removed_and_closed_comment(&self.origin())
                    } else {
                        render::removed_comment(&self.origin())
                    };
                    let commented = self
                        .client
                        .create_comment(self.doc.repo, *issue, &comment)
                        .await;
                    if self.gone_if_not_found(key, *issue, &commented).await? {
                        return Ok(());
                    }
                    commented?;
                    let open = self
                        .tracked
                        .get(key)
                        .is_some_and(|t| t.state == FollowUpState::Open);
                    if close && open {
                        self.client
                            .update_issue(
                                self.doc.repo,
                                *issue,
                                &IssuePatch {
                                    state: Some(IssueState::Closed),
                                    state_reason: Some("not_planned".to_string()),
                                    ..IssuePatch::default()
                                },
                            )
                            .await
                            .with_context(|| format!("closing #{issue}"))?;
                    }
                }
                if let Some(mut record) = self.tracked.get(key).cloned() {
                    record.state = FollowUpState::Removed;
                    self.save(record).await?;
                }
                self.summary.removed += 1;
            }
            Action::Unchanged { key, item } => {
                let record = self.record(key, &items[*item], *item);
                let opened_by_this_job = record
                    .issue
                    .filter(|_| !record.adopted && record.created_at >= self.doc.since);
                if self.tracked.get(key) != Some(&record) {
                    self.save(record).await?;
                }
                match opened_by_this_job {
                    Some(issue) => self.summary.opened.push(issue),
                    None => self.summary.unchanged += 1,
                }
            }
        }
        Ok(())
    }

    /// Whether the body may show the owner without the "not assignable here" note: always when
    /// the settings turn assignment off (nothing was attempted), else when the owner is assignable.
    async fn owner_note_needed(&mut self, item: &FollowUp) -> anyhow::Result<bool> {
        if !self.doc.settings.assign_owners {
            return Ok(true);
        }
        Ok(self.assignable_owner(item).await?.is_some())
    }

    /// The owner's login when the document names one that can be assigned here (and the
    /// settings let the App assign owners).
    async fn assignable_owner(&mut self, item: &FollowUp) -> anyhow::Result<Option<String>> {
        if !self.doc.settings.assign_owners {
            return Ok(None);
        }
        let Some(login) = item
            .owner
            .as_deref()
            .and_then(|o| o.strip_prefix('@'))
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        else {
            return Ok(None);
        };
        let assignable = match self.assignable.get(login) {
            Some(known) => *known,
            None => {
                let answer = self.client.is_assignable(self.doc.repo, login).await?;
                self.assignable.insert(login.to_string(), answer);
                answer
            }
        };
        Ok(assignable.then(|| login.to_string()))
    }

    async fn create(&mut self, key: &str, position: usize, item: &FollowUp) -> anyhow::Result<()> {
        // Record the intent first: if the answer to the create is lost, the next attempt knows
        // to look for the marker instead of opening a second issue.
        let intent = self.record(key, item, position);
        self.save(intent).await?;
        if let Some(existing) = self.find_marker(key).await? {
            let mut record = self.record(key, item, position);
            record.issue = Some(existing);
            self.save(record).await?;
            info!(issue = %existing, key, "found the issue a previous attempt opened");
            self.summary.opened.push(existing);
            return Ok(());
        }
        self.handlers
            .labels
            .ensure(self.client, self.doc.repo)
            .await?;
        let owner = self.assignable_owner(item).await?;
        let note_free = owner.is_some() || !self.doc.settings.assign_owners;
        let issue = self
            .client
            .create_issue(
                self.doc.repo,
                &NewIssue {
                    title: render::issue_title(item),
                    body: render::follow_up_body(item, key, &self.origin(), note_free),
                    labels: self.doc.settings.labels.clone(),
                    assignees: owner.into_iter().collect(),
                },
            )
            .await
            .context("opening a follow-up issue")?;
        let mut record = self.record(key, item, position);
        record.issue = Some(issue.number);
        self.save(record).await?;
        if let Some(markers) = &mut self.existing_markers {
            markers.insert(key.to_string(), issue.number);
        }
        self.summary.opened.push(issue.number);
        self.link_sub_issue(issue.number).await;
        Ok(())
    }

    /// `tracking: sub_issues`: links the follow-up under the tracking issue. The checklist stays
    /// the record, so a failed link is logged, not fatal.
    async fn link_sub_issue(&self, child: IssueNumber) {
        if self.doc.settings.tracking != Tracking::SubIssues || child == self.doc.tracking_issue {
            return;
        }
        if let Err(error) = self
            .client
            .add_sub_issue(self.doc.repo, self.doc.tracking_issue, child)
            .await
        {
            warn!(%error, issue = %child, "cannot link the follow-up as a sub-issue");
        }
    }

    /// A follow-up issue that was deleted (or moved away) is noticed, not recreated: its record
    /// keeps the item but no issue, marked adopted so the planner leaves it alone. True when
    /// `result` said so and the record was updated.
    async fn gone_if_not_found<T>(
        &mut self,
        key: &str,
        issue: IssueNumber,
        result: &Result<T, crate::github::GitHubError>,
    ) -> anyhow::Result<bool> {
        // 404/410: deleted; 301: transferred to another repository.
        let gone = matches!(
            result,
            Err(crate::github::GitHubError::NotFound
                | crate::github::GitHubError::Status { status: 301, .. })
        );
        if !gone {
            return Ok(false);
        }
        warn!(%issue, key, "the follow-up issue is gone; not opening it again");
        if let Some(mut record) = self.tracked.get(key).cloned() {
            mark_gone(&mut record);
            self.save(record).await?;
        }
        self.summary.removed += 1;
        Ok(true)
    }

    async fn find_marker(&mut self, key: &str) -> anyhow::Result<Option<IssueNumber>> {
        if self.existing_markers.is_none() {
            let app = self.handlers.github.app_info().await?;
            let bot = format!("{}[bot]", app.slug);
            let issues = self
                .client
                .list_issues_created_by(self.doc.repo, &bot)
                .await
                .context("looking for follow-up issues opened before")?;
            let markers = issues
                .iter()
                .filter_map(|issue| {
                    let key = render::marker_key(issue.body.as_deref()?)?;
                    Some((key.to_string(), issue.number))
                })
                .collect();
            self.existing_markers = Some(markers);
        }
        Ok(self
            .existing_markers
            .as_ref()
            .and_then(|m| m.get(key).copied()))
    }

    /// The task list, in document order, from the state after this run.
    fn section(&self, actions: &[Action]) -> String {
        let items = self.doc.follow_ups;
        let mut entries = Vec::new();
        for action in actions {
            let item = match action {
                Action::Remove { .. } => continue,
                Action::Create { item, .. }
                | Action::Adopt { item, .. }
                | Action::TrackElsewhere { item, .. }
                | Action::RecordDone { item, .. }
                | Action::Update { item, .. }
                | Action::CloseDone { item, .. }
                | Action::Unchanged { item, .. } => &items[*item],
            };
            let Some(record) = self.tracked.get(action.key()) else {
                continue;
            };
            let entry = match (record.issue, &item.issue) {
                (Some(number), _) => SectionEntry::Issue {
                    number,
                    closed: record.state == FollowUpState::Closed,
                },
                (None, _) if item.done => SectionEntry::DoneInDocument {
                    title: item.title.clone(),
                },
                (None, Some(link)) => SectionEntry::Elsewhere {
                    title: item.title.clone(),
                    link: link.to_string(),
                },
                (None, None) => continue,
            };
            entries.push(entry);
        }
        if self.doc.source.starts_with("issue:") {
            render::tracking_section(&entries)
        } else {
            render::tracking_section_with_hint(&entries, render_sources::HINT_FOLLOWED)
        }
    }
}

/// The record of a follow-up whose issue was deleted or transferred: no issue, adopted (so the
/// planner never opens it again), closed (so nobody is nagged about it).
pub(super) fn mark_gone(record: &mut TrackedFollowUp) {
    record.issue = None;
    record.adopted = true;
    record.state = FollowUpState::Closed;
    record.closed_at.get_or_insert_with(Utc::now);
}
