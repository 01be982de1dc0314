//! Pure: the text the bot writes for post-mortems kept as files and wiki pages — tracking issues,
//! onboarding, settings mistakes, and the notes per `on_removed` / `on_done_in_doc`.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::ids::IssueNumber;
use crate::render::{MAX_BODY_CHARS, Origin, sanitize};
use crate::repo_config::{ConfigError, SETTINGS_PATH};

const TRACKING_PREFIX: &str = "<!-- postmortem-bot:tracking=";
const ONBOARDING_MARKER: &str = "<!-- postmortem-bot:onboarding -->";
const MARKER_SUFFIX: &str = " -->";

/// The hint under the checklist of a file's or wiki page's tracking issue.
pub const HINT_FOLLOWED: &str = "Kept in step by postmortem-bot: edit the post-mortem where it \
     lives (linked above); each push or wiki edit updates these issues.";

/// Titles are cut here, as GitHub refuses titles over 256 characters.
const MAX_TITLE_CHARS: usize = 180;

/// Follow-up titles listed per post-mortem in the onboarding issue before "and N more".
const ONBOARDING_ITEMS_SHOWN: usize = 15;

/// The hidden marker of the issue that tracks `source` (which may hold characters a marker cannot).
pub fn tracking_marker(source: &str) -> String {
    format!("{TRACKING_PREFIX}{}{MARKER_SUFFIX}", source_hash(source))
}

/// Whether `body` carries the tracking marker of `source`.
pub fn has_tracking_marker(body: &str, source: &str) -> bool {
    body.contains(&tracking_marker(source))
}

fn source_hash(source: &str) -> String {
    hex::encode(&Sha256::digest(source.as_bytes())[..8])
}

pub fn has_onboarding_marker(body: &str) -> bool {
    body.contains(ONBOARDING_MARKER)
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_TITLE_CHARS {
        return line;
    }
    let cut: String = line.chars().take(MAX_TITLE_CHARS).collect();
    format!("{}…", cut.trim_end())
}

pub fn tracking_issue_title(postmortem_title: &str) -> String {
    one_line(&format!("Post-mortem: {postmortem_title}"))
}

/// Where a post-mortem lives, for people: "the file `x.md`", "the wiki page Foo".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `file` or `wiki page`.
    pub kind: &'static str,
    /// A path or page name.
    pub name: String,
    pub link: String,
}

impl Place {
    fn markdown(&self) -> String {
        format!(
            "the {} [{}]({})",
            self.kind,
            sanitize(&self.name, None).replace(['[', ']'], ""),
            self.link
        )
    }
}

/// The body of a tracking issue the bot opens; the follow-up section is added after it.
pub fn tracking_issue_body(place: &Place, incident: Option<&str>, source: &str) -> String {
    let mut body = format!("This issue tracks the follow-ups of {}", place.markdown());
    if let Some(incident) = incident {
        let _ = write!(body, " (incident **{}**)", sanitize(incident, None));
    }
    body.push_str(
        ". Edit the post-mortem there: each follow-up gets its own issue, kept in step with it.\n\n",
    );
    body.push_str(&tracking_marker(source));
    body.push('\n');
    body
}

/// The commit comment on a push that broke the settings file.
pub fn settings_error_comment(errors: &[ConfigError]) -> String {
    let mut body = format!(
        "postmortem-bot could not use `{SETTINGS_PATH}` as of this commit:\n\n| Line | Key | Problem |\n|---|---|---|\n"
    );
    for error in errors.iter().take(50) {
        let _ = writeln!(
            body,
            "| {} | `{}` | {} |",
            error.line,
            error.key.replace('`', "'"),
            sanitize(&error.message, None)
                .replace('|', "\\|")
                .replace('\n', " ")
        );
    }
    body.push_str(
        "\nThe previous valid settings stay in force until the file is fixed. \
         `postmortem-bot check-config FILE` checks a file locally.",
    );
    body
}

/// One post-mortem found while onboarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub place: Place,
    pub title: String,
    /// Titles of the open follow-ups the bot would track.
    pub follow_ups: Vec<String>,
    /// Items already done in the document.
    pub done: usize,
}

pub fn onboarding_title(count: usize) -> String {
    format!(
        "postmortem-bot found {count} post-mortem{} to track",
        if count == 1 { "" } else { "s" }
    )
}

/// The one onboarding issue: what was found, what would be tracked, and how to start.
pub fn onboarding_body(found: &[Found]) -> String {
    let mut body = String::from(
        "Thanks for installing postmortem-bot. I looked for post-mortems in this repository and \
         found the ones below. I have not opened anything else yet.\n\n",
    );
    let footer = format!(
        "\nComment `/postmortem sync` on this issue (write access needed) to start: I will open a \
         tracking issue per post-mortem and one issue per open follow-up, and keep them in step \
         as the documents change. Tune what I read in `{SETTINGS_PATH}`.\n\n{ONBOARDING_MARKER}\n"
    );
    let mut listed = 0;
    for item in found {
        let mut section = format!(
            "### {}\n\nIn {}: {} open follow-up{}{}.\n\n",
            sanitize(&one_line(&item.title), None),
            item.place.markdown(),
            item.follow_ups.len(),
            if item.follow_ups.len() == 1 { "" } else { "s" },
            if item.done > 0 {
                format!(", {} already done", item.done)
            } else {
                String::new()
            }
        );
        for title in item.follow_ups.iter().take(ONBOARDING_ITEMS_SHOWN) {
            let _ = writeln!(section, "- {}", sanitize(&one_line(title), None));
        }
        if item.follow_ups.len() > ONBOARDING_ITEMS_SHOWN {
            let _ = writeln!(
                section,
                "- … and {} more",
                item.follow_ups.len() - ONBOARDING_ITEMS_SHOWN
            );
        }
        section.push('\n');
        // Leave room for the rest, so the issue always fits GitHub's limit.
        if body.chars().count() + section.chars().count() + footer.chars().count() + 200
            > MAX_BODY_CHARS
        {
            break;
        }
        body.push_str(&section);
        listed += 1;
    }
    if listed < found.len() {
        let _ = writeln!(
            body,
            "… and {} more post-mortems, not listed here for length.",
            found.len() - listed
        );
    }
    body.push_str(&footer);
    body
}

/// What `/postmortem sync` did, per post-mortem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub title: String,
    pub tracking_issue: IssueNumber,
    pub opened: usize,
    pub total: usize,
}

pub fn sync_summary(synced: &[Synced]) -> String {
    if synced.is_empty() {
        return "I found no post-mortems to track. I read files matching the `paths` globs of \
                `.github/postmortem.yml` (or its defaults) and wiki pages whose titles look like \
                post-mortems."
            .to_string();
    }
    let mut body = format!(
        "Tracking {} post-mortem{}:\n\n",
        synced.len(),
        if synced.len() == 1 { "" } else { "s" }
    );
    for s in synced.iter().take(200) {
        let _ = writeln!(
            body,
            "- #{}: {} ({} follow-up{}, {} opened now)",
            s.tracking_issue,
            sanitize(&one_line(&s.title), None),
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.opened
        );
    }
    if synced.len() > 200 {
        let _ = writeln!(body, "- … and {} more", synced.len() - 200);
    }
    body
}

/// `on_removed: close`: the note on an issue closed because its item left the document.
pub fn removed_and_closed_comment(origin: &Origin<'_>) -> String {
    format!(
        "This item is no longer in the post-mortem {}, so I am closing this issue (the repository \
         settings say `on_removed: close`). Reopen it if the work is still needed.",
        origin.link
    )
}

/// `on_done_in_doc: comment`: the note on an issue whose item the document marks done.
pub fn done_in_document_note(origin: &Origin<'_>) -> String {
    format!(
        "The post-mortem {} now marks this item as done. I left the issue open (the repository \
         settings say `on_done_in_doc: comment`); close it when the work is confirmed.",
        origin.link
    )
}

/// On a tracking issue, when its post-mortem file was deleted.
pub fn file_deleted_comment(path: &str, commit: &str) -> String {
    format!(
        "The post-mortem file `{}` was deleted in {commit}. I stopped following it; its follow-up \
         issues stay as they are.\n\n{}",
        path.replace('`', "'"),
        file_deleted_marker(path, commit)
    )
}

/// Hidden in the deletion note, so a redelivered push finds it and says nothing twice.
pub fn file_deleted_marker(path: &str, commit: &str) -> String {
    format!(
        "<!-- postmortem-bot:file-deleted={}{MARKER_SUFFIX}",
        source_hash(&format!("{path}@{commit}"))
    )
}

/// On a tracking issue, when one of its follow-up issues was deleted or moved elsewhere.
pub fn follow_up_gone_comment(issue: IssueNumber, how: &str) -> String {
    format!(
        "The follow-up issue #{issue} was {how}. I will not open it again: the item stays out of \
         this checklist until it is tracked by hand (name the new issue in the post-mortem, e.g. \
         \"see #123\")."
    )
}

/// The reply when `/postmortem PATH|WIKI-URL` names nothing readable.
pub fn nothing_there(what: &str) -> String {
    format!(
        "I could not find {what}. Name a Markdown file of this repository's default branch \
         (`/postmortem postmortems/2024-05-01-db.md`) or a page of its wiki \
         (`/postmortem https://github.com/OWNER/REPO/wiki/Page-Name`)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            kind: "file",
            name: "postmortems/db.md".into(),
            link: "https://github.com/o/r/blob/main/postmortems/db.md".into(),
        }
    }

    #[test]
    fn tracking_markers_are_per_source() {
        let body = tracking_issue_body(&place(), None, "file:o/r:postmortems/db.md");
        assert!(has_tracking_marker(&body, "file:o/r:postmortems/db.md"));
        assert!(!has_tracking_marker(&body, "file:o/r:postmortems/other.md"));
        assert!(
            body.contains(
                "[postmortems/db.md](https://github.com/o/r/blob/main/postmortems/db.md)"
            )
        );
        assert_eq!(crate::render::marker_key(&body), None);
        assert_eq!(tracking_issue_title("DB outage"), "Post-mortem: DB outage");
        assert!(tracking_issue_title(&"x".repeat(500)).chars().count() <= MAX_TITLE_CHARS + 1);
    }

    #[test]
    fn settings_errors_list_line_and_key() {
        let text = settings_error_comment(&[ConfigError {
            key: "on_removed".into(),
            line: 4,
            message: "unknown variant `delete` | bad".into(),
        }]);
        assert!(
            text.contains("| 4 | `on_removed` | unknown variant `delete` \\| bad |"),
            "{text}"
        );
        assert!(text.contains("previous valid settings stay in force"));
    }

    #[test]
    fn onboarding_fits_and_mentions_nobody() {
        let found: Vec<Found> = (0..400)
            .map(|n| Found {
                place: place(),
                title: format!("Outage {n} @team"),
                follow_ups: (0..40)
                    .map(|i| format!("Fix thing {i} for @mona"))
                    .collect(),
                done: 1,
            })
            .collect();
        let body = onboarding_body(&found);
        assert!(body.chars().count() <= MAX_BODY_CHARS);
        assert!(has_onboarding_marker(&body));
        assert!(body.contains("`/postmortem sync`"));
        assert!(body.contains("more post-mortems, not listed"));
        assert!(!body.contains(" @mona"), "no pings from onboarding");
        let one = onboarding_body(&found[..1]);
        assert!(one.contains("40 open follow-ups, 1 already done"), "{one}");
        assert!(one.contains("- … and 25 more"));
    }
}
