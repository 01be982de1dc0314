//! Pure: the text of nags, the escalation and the snooze replies, with hidden markers that let a
//! retried job see it already spoke.

use chrono::{DateTime, NaiveDate, Utc};

use super::nag::{Nag, NagReason};
use crate::ids::IssueNumber;

const NAG_MARKER: &str = "<!-- postmortem-bot:nag=";
const ESCALATION_MARKER: &str = "<!-- postmortem-bot:escalation=";

/// A GitHub login as written in a document (`@mona` or `mona`), when it is one.
pub fn login(owner: &str) -> Option<&str> {
    let login = owner.trim().strip_prefix('@').unwrap_or(owner.trim());
    let valid = !login.is_empty()
        && login.len() <= 39
        && !login.starts_with('-')
        && !login.ends_with('-')
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then_some(login)
}

/// Who a nag mentions: the item's owner, else the post-mortem's author; never anyone else.
pub fn recipient<'a>(owner: Option<&'a str>, author: Option<&'a str>) -> Option<&'a str> {
    owner.and_then(login).or_else(|| author.and_then(login))
}

/// The marker of the nag sent on `day` for the follow-up `key`.
pub fn nag_marker(key: &str, day: NaiveDate) -> String {
    format!("{NAG_MARKER}{key}:{day} -->")
}

pub fn escalation_marker(key: &str) -> String {
    format!("{ESCALATION_MARKER}{key} -->")
}

fn greeting(recipient: Option<&str>) -> String {
    match recipient {
        Some(login) => format!("@{login}, "),
        None => String::new(),
    }
}

/// The nag comment on the follow-up issue.
pub fn nag_comment(
    nag: &Nag,
    recipient: Option<&str>,
    key: &str,
    day: NaiveDate,
    max_nags: u32,
) -> String {
    let hello = greeting(recipient);
    let lead = match &nag.reason {
        NagReason::Stale { quiet_days } => format!(
            "{hello}this follow-up has had no activity for {quiet_days} days. \
             Is it still planned? A comment with an update resets the clock."
        ),
        NagReason::DueSoon { due } => {
            format!("{hello}a reminder: this follow-up is due on {due}.")
        }
        NagReason::Overdue { due, days_late } => format!(
            "{hello}this follow-up was due on {due} and is {days_late} day{} overdue. \
             Please post an update, or a new date in the post-mortem.",
            if *days_late == 1 { "" } else { "s" }
        ),
    };
    let tail = if nag.counts {
        format!(
            "\n\nReminder {} of {max_nags}; after that the post-mortem's tracking issue hears about it. \
             `/postmortem snooze 2w` pauses reminders.",
            nag.nag_count
        )
    } else {
        "\n\n`/postmortem snooze 2w` pauses reminders.".to_string()
    };
    format!("{lead}{tail}\n\n{}\n", nag_marker(key, day))
}

/// The one comment in the tracking issue when an item's nags ran out.
pub fn escalation_comment(
    issue: IssueNumber,
    title: &str,
    recipient: Option<&str>,
    nags: u32,
    key: &str,
) -> String {
    let who = recipient.map_or_else(String::new, |l| format!(" (owner: @{l})"));
    format!(
        "Follow-up #{issue}{who} is still open after {nags} reminder{}: {}\n\n\
         Could someone pick it up, re-plan it, or close it as not planned?\n\n{}\n",
        if nags == 1 { "" } else { "s" },
        title.replace('\n', " "),
        escalation_marker(key)
    )
}

pub fn snoozed_reply(until: DateTime<Utc>) -> String {
    format!(
        "Snoozed: no reminders on this follow-up until {}. `/postmortem unsnooze` ends the snooze.",
        until.format("%Y-%m-%d %H:%M UTC")
    )
}

pub fn unsnoozed_reply(was_snoozed: bool) -> String {
    if was_snoozed {
        "Unsnoozed: reminders on this follow-up resume.".to_string()
    } else {
        "This follow-up was not snoozed.".to_string()
    }
}

pub fn not_a_follow_up_reply(what: &str) -> String {
    format!(
        "`/postmortem {what}` works on a follow-up issue the bot tracks; this issue is not one."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_logins_are_mentioned() {
        assert_eq!(recipient(Some("@mona"), Some("lead")), Some("mona"));
        assert_eq!(recipient(Some("Platform team"), Some("lead")), Some("lead"));
        assert_eq!(recipient(None, Some("lead")), Some("lead"));
        assert_eq!(recipient(Some("@-bad"), None), None);
        assert_eq!(recipient(Some("a@b.c"), None), None);
    }

    #[test]
    fn a_nag_mentions_its_recipient_and_carries_its_marker() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let nag = Nag {
            reason: NagReason::Stale { quiet_days: 15 },
            counts: true,
            nag_count: 2,
        };
        let text = nag_comment(&nag, Some("mona"), "abc", day, 3);
        assert!(text.starts_with("@mona, this follow-up has had no activity for 15 days."));
        assert!(text.contains("Reminder 2 of 3"));
        assert!(text.contains(&nag_marker("abc", day)));
        let text = escalation_comment(IssueNumber(9), "Add\na canary", None, 3, "abc");
        assert!(text.starts_with("Follow-up #9 is still open after 3 reminders: Add a canary"));
        assert!(text.contains(&escalation_marker("abc")));
    }
}
