//! Pure: the text the bot writes on GitHub — follow-up issue bodies, the tracking section, replies.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use crate::ids::IssueNumber;
use crate::postmortem::FollowUp;

pub const SECTION_START: &str = "<!-- postmortem-bot:start -->";
pub const SECTION_END: &str = "<!-- postmortem-bot:end -->";
const MARKER_PREFIX: &str = "<!-- postmortem-bot:key=";
const MARKER_SUFFIX: &str = " -->";

/// GitHub rejects titles over 256 characters; leave room for the ellipsis.
const MAX_TITLE_CHARS: usize = 200;

/// GitHub's limit on issue and comment bodies.
pub const MAX_BODY_CHARS: usize = 65_536;

pub const LABEL_POSTMORTEM: &str = "postmortem";
pub const LABEL_FOLLOW_UP: &str = "follow-up";

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w`/])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))").expect("static regex")
});

/// The hidden marker carrying a follow-up's identity in its issue body.
pub fn marker(key: &str) -> String {
    format!("{MARKER_PREFIX}{key}{MARKER_SUFFIX}")
}

/// The key of the marker in an issue body, if the bot wrote one.
pub fn marker_key(body: &str) -> Option<&str> {
    let start = body.find(MARKER_PREFIX)? + MARKER_PREFIX.len();
    let len = body[start..].find(MARKER_SUFFIX)?;
    let key = &body[start..start + len];
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric())).then_some(key)
}

/// Text from a document, made safe to embed: no forged bot markers, no mentions of people the
/// document does not name as owner.
pub(crate) fn sanitize(text: &str, owner: Option<&str>) -> String {
    let text = text.replace("<!-- postmortem-bot", "<!-- (quoted) postmortem-bot");
    MENTION
        .replace_all(&text, |caps: &regex::Captures<'_>| {
            let login = &caps[2];
            let is_owner = owner
                .and_then(|o| o.strip_prefix('@'))
                .is_some_and(|o| o.eq_ignore_ascii_case(login));
            if is_owner {
                caps[0].to_string()
            } else {
                format!("{}`@{login}`", &caps[1])
            }
        })
        .into_owned()
}

/// The issue title for an item: one line, bounded length.
pub fn issue_title(item: &FollowUp) -> String {
    let one_line = item.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_TITLE_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_TITLE_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// Where a follow-up came from, for the link back.
pub struct Origin<'a> {
    /// `#12`, or a URL to the file or wiki page.
    pub link: &'a str,
    pub title: &'a str,
}

/// The body of a follow-up issue the bot opens.
pub fn follow_up_body(
    item: &FollowUp,
    key: &str,
    origin: &Origin<'_>,
    owner_assigned: bool,
) -> String {
    let owner = item.owner.as_deref();
    let mut body = String::new();
    let title = issue_title(item);
    if title != item.title.trim() {
        let _ = writeln!(body, "{}\n", sanitize(item.title.trim(), owner));
    }
    if !item.details.is_empty() {
        for line in &item.details {
            let _ = writeln!(body, "- {}", sanitize(line, owner));
        }
        body.push('\n');
    }
    let mut fields = Vec::new();
    if let Some(owner) = owner {
        let note = if owner_assigned {
            ""
        } else {
            " (not assignable here)"
        };
        fields.push(format!("**Owner:** {}{note}", sanitize(owner, Some(owner))));
    }
    if let Some(due) = &item.due {
        fields.push(format!("**Due:** {}", sanitize(due, None)));
    }
    if let Some(priority) = &item.priority {
        fields.push(format!("**Priority:** {}", sanitize(priority, None)));
    }
    if let Some(kind) = &item.kind {
        fields.push(format!("**Type:** {}", sanitize(kind, None)));
    }
    if !fields.is_empty() {
        let _ = writeln!(body, "{}\n", fields.join(" · "));
    }
    let _ = writeln!(
        body,
        "Follow-up from the post-mortem {} ({}).",
        origin.link,
        sanitize(origin.title, None)
    );
    body.push('\n');
    body.push_str(&marker(key));
    body.push('\n');
    body
}

/// One line of the tracking section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionEntry {
    /// A follow-up issue in this repository.
    Issue { number: IssueNumber, closed: bool },
    /// Tracked outside this repository.
    Elsewhere { title: String, link: String },
    /// Already done in the document; no issue was opened.
    DoneInDocument { title: String },
}

/// The hint under the checklist of an issue that holds its own post-mortem.
pub const HINT_EDIT_ABOVE: &str =
    "Kept in step by postmortem-bot: edit the post-mortem above, then comment `/postmortem`.";

/// The bot-owned section of a tracking issue: a task list of the follow-ups.
pub fn tracking_section(entries: &[SectionEntry]) -> String {
    tracking_section_with_hint(entries, HINT_EDIT_ABOVE)
}

/// The checklist line of a follow-up issue: `- [ ] #N`, ticked when closed.
pub fn checklist_line(number: IssueNumber, closed: bool) -> String {
    format!("- [{}] #{number}", if closed { "x" } else { " " })
}

/// The section with another hint (a post-mortem kept in a file or wiki page is followed as it
/// changes, without a command).
pub fn tracking_section_with_hint(entries: &[SectionEntry], hint: &str) -> String {
    let mut section = String::new();
    section.push_str(SECTION_START);
    section.push_str("\n### Follow-ups\n\n");
    if entries.is_empty() {
        section.push_str("_No follow-ups found in this post-mortem yet._\n");
    }
    for entry in entries {
        match entry {
            SectionEntry::Issue { number, closed } => {
                let _ = writeln!(section, "{}", checklist_line(*number, *closed));
            }
            SectionEntry::Elsewhere { title, link } => {
                let _ = writeln!(
                    section,
                    "- [ ] {} (tracked in {})",
                    sanitize(title, None),
                    sanitize(link, None)
                );
            }
            SectionEntry::DoneInDocument { title } => {
                let _ = writeln!(section, "- [x] {} (done)", sanitize(title, None));
            }
        }
    }
    let _ = writeln!(section, "\n<sub>{hint}</sub>");
    section.push_str(SECTION_END);
    section
}

/// The body with its bot-owned section replaced (or appended); the author's text is untouched.
pub fn with_tracking_section(body: &str, section: &str) -> String {
    if let Some(start) = body.find(SECTION_START)
        && let Some(end_rel) = body[start..].find(SECTION_END)
    {
        let end = start + end_rel + SECTION_END.len();
        return format!("{}{section}{}", &body[..start], &body[end..]);
    }
    let trimmed = body.trim_end();
    if trimmed.is_empty() {
        section.to_string()
    } else {
        format!("{trimmed}\n\n{section}\n")
    }
}

/// The author's part of a body: everything outside the bot-owned section.
pub fn without_tracking_section(body: &str) -> String {
    if let Some(start) = body.find(SECTION_START)
        && let Some(end_rel) = body[start..].find(SECTION_END)
    {
        let end = start + end_rel + SECTION_END.len();
        return format!("{}{}", &body[..start], &body[end..]);
    }
    body.to_string()
}

/// What one run did, for the reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub opened: Vec<IssueNumber>,
    pub adopted: Vec<IssueNumber>,
    pub elsewhere: usize,
    pub already_done: usize,
    pub updated: Vec<IssueNumber>,
    pub closed: Vec<IssueNumber>,
    pub removed: usize,
    pub unchanged: usize,
}

impl Summary {
    pub fn total_in_document(&self) -> usize {
        self.opened.len()
            + self.adopted.len()
            + self.elsewhere
            + self.already_done
            + self.updated.len()
            + self.closed.len()
            + self.unchanged
    }
}

fn issue_list(numbers: &[IssueNumber]) -> String {
    numbers
        .iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The reply after `/postmortem` ran.
pub fn summary_comment(summary: &Summary) -> String {
    let total = summary.total_in_document();
    if total == 0 && summary.removed == 0 {
        return "I found no follow-up items in this post-mortem. I look for lists, task lists and \
                tables under headings such as **Action items**, **Follow-ups**, **Next steps** or \
                **Remediation**. Add them and comment `/postmortem` again."
            .to_string();
    }
    let mut lines = vec![format!(
        "Tracking {total} follow-up{} from this post-mortem:",
        if total == 1 { "" } else { "s" }
    )];
    let mut row = |label: &str, count: usize, numbers: &[IssueNumber]| {
        if count > 0 {
            let list = if numbers.is_empty() {
                String::new()
            } else {
                format!(": {}", issue_list(numbers))
            };
            lines.push(format!("- {label} {count}{list}"));
        }
    };
    row("opened", summary.opened.len(), &summary.opened);
    row("adopted", summary.adopted.len(), &summary.adopted);
    row("tracked elsewhere", summary.elsewhere, &[]);
    row("already done", summary.already_done, &[]);
    row("updated", summary.updated.len(), &summary.updated);
    row("closed as done", summary.closed.len(), &summary.closed);
    row("removed from the document", summary.removed, &[]);
    row("unchanged", summary.unchanged, &[]);
    lines.push(String::new());
    lines.push("The checklist in the issue description stays in step with them.".to_string());
    lines.join("\n")
}

pub fn usage() -> String {
    "**postmortem-bot** turns the follow-up items of a post-mortem into tracked issues.\n\n\
     | Command | What it does |\n\
     |---|---|\n\
     | `/postmortem` | Read this issue's description as a post-mortem: open one issue per follow-up, \
     adopt issues it already links, and keep a checklist of them here. Run it again after editing. |\n\
     | `/postmortem PATH` | Track the post-mortem file PATH (default branch) here instead of in an \
     issue of its own. |\n\
     | `/postmortem WIKI-URL` | Track that wiki page's post-mortem here. |\n\
     | `/postmortem sync` | Track every post-mortem of the repository (files and wiki pages). |\n\
     | `/postmortem help` | Show this help. |\n\n\
     Only people with write access to the repository can run commands."
        .to_string()
}

pub fn not_allowed(login: &str) -> String {
    format!(
        "Sorry @{login}, only people with write access to this repository can run `/postmortem`. \
         A maintainer can run it for you."
    )
}

pub fn job_gave_up(error: &str) -> String {
    format!(
        "I could not finish `/postmortem` after several tries, so I stopped.\n\n\
         Last error: `{}`\n\nNothing was opened twice; comment `/postmortem` again to retry.",
        error.replace('`', "'")
    )
}

pub fn removed_comment(origin: &Origin<'_>) -> String {
    format!(
        "This item is no longer in the post-mortem {}. I left the issue as it is; close it if the \
         work is no longer needed.",
        origin.link
    )
}

pub fn done_in_document_comment(origin: &Origin<'_>) -> String {
    format!(
        "The post-mortem {} marks this item as done, so I am closing this issue.",
        origin.link
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin<'static> {
        Origin {
            link: "#7",
            title: "Queue outage",
        }
    }

    #[test]
    fn markers_round_trip_and_forgeries_are_defused() {
        let mut item = FollowUp {
            title: "Alert on queue depth".into(),
            details: vec!["see <!-- postmortem-bot:key=evil --> here".into()],
            ..FollowUp::default()
        };
        item.owner = Some("@mona".into());
        let body = follow_up_body(&item, "abc123", &origin(), true);
        assert_eq!(marker_key(&body), Some("abc123"));
        assert_eq!(body.matches("<!-- postmortem-bot:key=").count(), 1);
        assert!(body.contains("**Owner:** @mona"));
        assert!(body.contains("Follow-up from the post-mortem #7 (Queue outage)."));
        assert_eq!(marker_key("no marker"), None);
    }

    #[test]
    fn only_the_owner_is_mentioned() {
        let item = FollowUp {
            title: "Tell @ops about it".into(),
            details: vec!["cc @someone and email a@b.com".into()],
            owner: Some("@mona".into()),
            ..FollowUp::default()
        };
        let body = follow_up_body(&item, "k1", &origin(), false);
        assert!(body.contains("cc `@someone`"), "{body}");
        assert!(body.contains("a@b.com"), "{body}");
        assert!(body.contains("@mona (not assignable here)"), "{body}");
    }

    #[test]
    fn long_titles_are_cut_and_kept_in_the_body() {
        let item = FollowUp {
            title: "word ".repeat(100),
            ..FollowUp::default()
        };
        let title = issue_title(&item);
        assert!(title.chars().count() <= MAX_TITLE_CHARS + 1);
        assert!(title.ends_with('…'));
        let body = follow_up_body(&item, "k", &origin(), true);
        assert!(body.starts_with("word word"));
    }

    #[test]
    fn the_section_is_replaced_and_the_author_text_kept() {
        let section = tracking_section(&[
            SectionEntry::Issue {
                number: IssueNumber(3),
                closed: false,
            },
            SectionEntry::Issue {
                number: IssueNumber(4),
                closed: true,
            },
            SectionEntry::DoneInDocument {
                title: "Rotate keys".into(),
            },
        ]);
        assert!(section.contains("- [ ] #3\n- [x] #4\n- [x] Rotate keys (done)"));
        let body = with_tracking_section("My post-mortem\n\n## Action items\n- a", &section);
        assert!(body.starts_with(
            "My post-mortem\n\n## Action items\n- a\n\n<!-- postmortem-bot:start -->"
        ));
        let again = with_tracking_section(&body, &tracking_section(&[]));
        assert!(again.starts_with("My post-mortem\n\n## Action items\n- a\n\n"));
        assert_eq!(again.matches(SECTION_START).count(), 1);
        assert!(!again.contains("#3"));
        assert_eq!(
            without_tracking_section(&again).trim_end(),
            "My post-mortem\n\n## Action items\n- a"
        );
    }

    #[test]
    fn summaries_name_what_happened() {
        let summary = Summary {
            opened: vec![IssueNumber(3), IssueNumber(4)],
            adopted: vec![IssueNumber(1)],
            already_done: 1,
            ..Summary::default()
        };
        let text = summary_comment(&summary);
        assert!(text.starts_with("Tracking 4 follow-ups"));
        assert!(text.contains("- opened 2: #3, #4"));
        assert!(text.contains("- adopted 1: #1"));
        assert!(text.contains("- already done 1"));
        assert!(!text.contains("unchanged"));
        assert!(summary_comment(&Summary::default()).contains("no follow-up items"));
    }
}
