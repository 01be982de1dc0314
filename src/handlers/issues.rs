//! `issues` events on tracked follow-ups: closed or reopened on GitHub → store and checklist.

use anyhow::Context as _;
use chrono::Utc;

use super::Handlers;
use super::apply::mark_gone;
use crate::github::IssuePatch;
use crate::github::webhook::IssuesEvent;
use crate::ids::IssueNumber;
use crate::render;
use crate::render_sources;
use crate::store::FollowUpState;

pub async fn on_issues(handlers: &Handlers, event: &IssuesEvent) -> anyhow::Result<()> {
    let state = match event.action.as_str() {
        "closed" => FollowUpState::Closed,
        "reopened" => FollowUpState::Open,
        "deleted" | "transferred" => return follow_up_gone(handlers, event).await,
        _ => return Ok(()),
    };
    let store = &handlers.store;
    let Some(mut follow_up) = store
        .find_follow_up_by_issue(&event.repo, event.issue.number)
        .await?
    else {
        return Ok(());
    };
    if follow_up.state == state || follow_up.state == FollowUpState::Removed {
        return Ok(());
    }
    follow_up.state = state;
    follow_up.closed_at = (state == FollowUpState::Closed).then(Utc::now);
    store.upsert_follow_up(&follow_up).await?;

    // Tick (or untick) its box in the tracking issue.
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    let Some(tracking_issue) =
        tracking_issue_of(handlers, &event.repo, follow_up.postmortem_id).await?
    else {
        return Ok(());
    };
    let client = handlers.github.installation(installation).await?;
    let Some(issue) = client.get_issue(&event.repo, tracking_issue).await? else {
        return Ok(());
    };
    let body = issue.body.unwrap_or_default();
    let updated = retick(&body, follow_up.issue, state == FollowUpState::Closed);
    if updated != body {
        client
            .update_issue(
                &event.repo,
                tracking_issue,
                &IssuePatch {
                    body: Some(updated),
                    ..IssuePatch::default()
                },
            )
            .await?;
    }
    Ok(())
}

/// The tracking issue of the post-mortem a follow-up belongs to, if it has one.
async fn tracking_issue_of(
    handlers: &Handlers,
    repo: &crate::ids::RepoName,
    postmortem_id: i64,
) -> anyhow::Result<Option<crate::ids::IssueNumber>> {
    Ok(handlers
        .store
        .list_postmortems(repo)
        .await?
        .into_iter()
        .find(|p| p.id == postmortem_id)
        .and_then(|p| p.tracking_issue))
}

/// A follow-up issue deleted or transferred: the record keeps the item without an issue (so no
/// run opens it again), its line leaves the checklist, and the tracking issue says why.
async fn follow_up_gone(handlers: &Handlers, event: &IssuesEvent) -> anyhow::Result<()> {
    let store = &handlers.store;
    let Some(mut follow_up) = store
        .find_follow_up_by_issue(&event.repo, event.issue.number)
        .await?
    else {
        return Ok(());
    };
    let number = event.issue.number;
    mark_gone(&mut follow_up);
    store.upsert_follow_up(&follow_up).await?;
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    let Some(tracking_issue) =
        tracking_issue_of(handlers, &event.repo, follow_up.postmortem_id).await?
    else {
        return Ok(());
    };
    if tracking_issue == number {
        return Ok(());
    }
    let client = handlers.github.installation(installation).await?;
    let Some(issue) = client.get_issue(&event.repo, tracking_issue).await? else {
        return Ok(());
    };
    let body = issue.body.unwrap_or_default();
    let updated = without_line(&body, number);
    if updated != body {
        client
            .update_issue(
                &event.repo,
                tracking_issue,
                &IssuePatch {
                    body: Some(updated),
                    ..IssuePatch::default()
                },
            )
            .await?;
    }
    let how = if event.action == "deleted" {
        "deleted"
    } else {
        "transferred to another repository"
    };
    client
        .create_comment(
            &event.repo,
            tracking_issue,
            &render_sources::follow_up_gone_comment(number, how),
        )
        .await?;
    Ok(())
}

/// The body without the `- [ ] #N` line of the bot-owned section.
fn without_line(body: &str, number: IssueNumber) -> String {
    let (Some(start), Some(end)) = (
        body.find(render::SECTION_START),
        body.find(render::SECTION_END),
    ) else {
        return body.to_string();
    };
    if end < start {
        return body.to_string();
    }
    let kept: Vec<&str> = body[start..end]
        .split_inclusive('\n')
        .filter(|line| {
            !(line.starts_with("- [")
                && line
                    .get(6..)
                    .is_some_and(|rest| rest.trim() == format!("#{number}")))
        })
        .collect();
    format!("{}{}{}", &body[..start], kept.concat(), &body[end..])
}

/// The body with one `- [ ] #N` line of the bot-owned section set to `closed`.
fn retick(body: &str, issue: Option<IssueNumber>, closed: bool) -> String {
    let Some(number) = issue else {
        return body.to_string();
    };
    let (Some(start), Some(end)) = (
        body.find(render::SECTION_START),
        body.find(render::SECTION_END),
    ) else {
        return body.to_string();
    };
    if end < start {
        return body.to_string();
    }
    let wanted_line = render::checklist_line(number, closed);
    let section = &body[start..end];
    let replaced: Vec<String> = section
        .lines()
        .map(|line| {
            let is_this = line.starts_with("- [")
                && line
                    .get(6..)
                    .is_some_and(|rest| rest.trim() == format!("#{number}"));
            if is_this {
                wanted_line.clone()
            } else {
                line.to_string()
            }
        })
        .collect();
    let mut section_text = replaced.join("\n");
    if section.ends_with('\n') {
        section_text.push('\n');
    }
    format!("{}{}{}", &body[..start], section_text, &body[end..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::SectionEntry;

    #[test]
    fn a_gone_issue_leaves_the_checklist() {
        let section = render::tracking_section(&[
            SectionEntry::Issue {
                number: IssueNumber(3),
                closed: false,
            },
            SectionEntry::Issue {
                number: IssueNumber(31),
                closed: true,
            },
        ]);
        let body = render::with_tracking_section("Intro", &section);
        let without = without_line(&body, IssueNumber(3));
        assert!(!without.contains("#3\n"), "{without}");
        assert!(without.contains("- [x] #31\n"), "{without}");
        assert_eq!(without_line(&without, IssueNumber(3)), without);
    }

    #[test]
    fn ticks_only_the_named_issue() {
        let section = render::tracking_section(&[
            SectionEntry::Issue {
                number: IssueNumber(3),
                closed: false,
            },
            SectionEntry::Issue {
                number: IssueNumber(31),
                closed: false,
            },
        ]);
        let body = render::with_tracking_section("Intro", &section);
        let ticked = retick(&body, Some(IssueNumber(3)), true);
        assert!(ticked.contains("- [x] #3\n- [ ] #31"), "{ticked}");
        assert!(ticked.starts_with("Intro\n\n"));
        assert_eq!(retick(&ticked, Some(IssueNumber(3)), false), body);
    }
}
