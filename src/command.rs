//! Pure: finds a `/postmortem` command in a comment and reads its arguments.

/// What a comment asks the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/postmortem`: track the follow-ups of this issue's body.
    Run,
    /// `/postmortem help`.
    Help,
    /// `/postmortem PATH`: this issue tracks the post-mortem file at PATH (default branch).
    TrackFile(String),
    /// `/postmortem WIKI-URL`: this issue tracks that wiki page's post-mortem.
    TrackWiki(String),
    /// `/postmortem sync`: track every post-mortem the repository holds (ends onboarding).
    Sync,
    /// `/postmortem status`: a table of this post-mortem's follow-ups.
    Status,
    /// `/postmortem digest`: post this repository's digest now.
    Digest,
    /// `/postmortem snooze 2w` on a follow-up issue: no reminders for that many days.
    Snooze { days: u32 },
    /// `/postmortem unsnooze`.
    Unsnooze,
    /// A subcommand we do not know; answered with usage.
    Unknown(String),
}

/// The longest snooze: a year. Longer is a decision to close the item, not to snooze it.
pub const MAX_SNOOZE_DAYS: u32 = 365;

/// `3d`, `2w`, `10 days`, `1 week` → days; `None` when unreadable, zero or over a year.
pub fn parse_snooze(text: &str) -> Option<u32> {
    let text = text.trim().to_ascii_lowercase();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u32 = number.parse().ok()?;
    let per = match unit.trim() {
        "d" | "day" | "days" => 1,
        "w" | "wk" | "week" | "weeks" => 7,
        _ => return None,
    };
    n.checked_mul(per)
        .filter(|d| (1..=MAX_SNOOZE_DAYS).contains(d))
}

const COMMAND: &str = "/postmortem";

/// The command on the comment's first line of prose, if any.
///
/// Blank lines, quoted lines (`> ...`, a reply quoting someone) and fenced code are passed over, so a
/// command pasted as an example never runs, while a reply that quotes first still works.
pub fn parse_command(comment: &str) -> Option<Command> {
    let mut fence: Option<&str> = None;
    for line in comment.lines() {
        let trimmed = line.trim();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
            continue;
        }
        if trimmed.starts_with("~~~") {
            fence = Some("~~~");
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('>') {
            continue;
        }
        // Indented code (four spaces) is an example, not a command.
        if line.starts_with("    ") || line.starts_with('\t') {
            return None;
        }
        return command_line(trimmed);
    }
    None
}

fn command_line(line: &str) -> Option<Command> {
    let rest = line.strip_prefix(COMMAND)?;
    // `/postmortems` or `/postmortem-x` is another word, not our command.
    if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    let mut words = rest.split_whitespace();
    Some(match words.next() {
        None => Command::Run,
        Some(word) if word.eq_ignore_ascii_case("help") => Command::Help,
        Some(word) if word.eq_ignore_ascii_case("status") => Command::Status,
        Some(word) if word.eq_ignore_ascii_case("digest") => Command::Digest,
        Some(word) if word.eq_ignore_ascii_case("unsnooze") => Command::Unsnooze,
        Some(word) if word.eq_ignore_ascii_case("snooze") => {
            let amount: Vec<&str> = words.collect();
            match parse_snooze(&amount.join(" ")) {
                Some(days) => Command::Snooze { days },
                None => Command::Unknown(rest.trim().to_string()),
            }
        }
        Some(word) if word.eq_ignore_ascii_case("sync") && words.next().is_none() => Command::Sync,
        Some(word) if is_wiki_url(word) && words.next().is_none() => {
            Command::TrackWiki(word.to_string())
        }
        Some(word) if is_file_path(word) && words.next().is_none() => {
            Command::TrackFile(word.trim_start_matches("./").to_string())
        }
        Some(_) => Command::Unknown(rest.trim().to_string()),
    })
}

fn is_wiki_url(word: &str) -> bool {
    (word.starts_with("https://") || word.starts_with("http://")) && word.contains("/wiki/")
}

/// A repository path: names a Markdown file, or a directory-like path. URLs and `..` are not.
fn is_file_path(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let markdown = [".md", ".markdown", ".mdx"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    !word.contains("://")
        && !word.starts_with('/')
        && !word.split('/').any(|part| part == "..")
        && (markdown || word.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commands_from_the_first_prose_line() {
        let cases: &[(&str, Option<Command>)] = &[
            ("/postmortem", Some(Command::Run)),
            ("  /postmortem  \nthanks!", Some(Command::Run)),
            ("/postmortem help", Some(Command::Help)),
            ("/postmortem HELP", Some(Command::Help)),
            (
                "/postmortem frobnicate now",
                Some(Command::Unknown("frobnicate now".into())),
            ),
            ("\n\n/postmortem", Some(Command::Run)),
            ("> quoting you\n\n/postmortem", Some(Command::Run)),
            ("/postmortems", None),
            ("/postmortem-bot", None),
            ("please run /postmortem", None),
            ("hello\n/postmortem", None),
            ("```\n/postmortem\n```", None),
            ("~~~md\n/postmortem\n~~~\n", None),
            ("    /postmortem", None),
            ("> /postmortem", None),
            ("", None),
            ("/postmortem sync", Some(Command::Sync)),
            ("/postmortem SYNC", Some(Command::Sync)),
            (
                "/postmortem postmortems/2024-05-01-db.md",
                Some(Command::TrackFile("postmortems/2024-05-01-db.md".into())),
            ),
            (
                "/postmortem ./incident.md",
                Some(Command::TrackFile("incident.md".into())),
            ),
            (
                "/postmortem ../secret.md",
                Some(Command::Unknown("../secret.md".into())),
            ),
            (
                "/postmortem https://github.com/o/r/wiki/Incident-2024",
                Some(Command::TrackWiki(
                    "https://github.com/o/r/wiki/Incident-2024".into(),
                )),
            ),
            (
                "/postmortem https://example.com/a.md",
                Some(Command::Unknown("https://example.com/a.md".into())),
            ),
            (
                "/postmortem sync now",
                Some(Command::Unknown("sync now".into())),
            ),
            ("/postmortem status", Some(Command::Status)),
            ("/postmortem Digest", Some(Command::Digest)),
            ("/postmortem snooze 2w", Some(Command::Snooze { days: 14 })),
            (
                "/postmortem snooze 10 days",
                Some(Command::Snooze { days: 10 }),
            ),
            ("/postmortem unsnooze", Some(Command::Unsnooze)),
            (
                "/postmortem snooze",
                Some(Command::Unknown("snooze".into())),
            ),
            (
                "/postmortem snooze forever",
                Some(Command::Unknown("snooze forever".into())),
            ),
        ];
        for (comment, expected) in cases {
            assert_eq!(&parse_command(comment), expected, "comment: {comment:?}");
        }
    }

    #[test]
    fn snooze_durations() {
        let cases: &[(&str, Option<u32>)] = &[
            ("2w", Some(14)),
            ("3d", Some(3)),
            ("1 week", Some(7)),
            ("10 Days", Some(10)),
            ("52w", Some(364)),
            ("53w", None),
            ("0d", None),
            ("2", None),
            ("w", None),
            ("2 fortnights", None),
            ("99999999999d", None),
        ];
        for (text, days) in cases {
            assert_eq!(parse_snooze(text), *days, "{text}");
        }
    }
}
