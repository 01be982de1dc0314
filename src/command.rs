//! Pure: finds a `/postmortem` command in a comment and reads its arguments.

/// What a comment asks the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/postmortem`: track the follow-ups of this issue's body.
    Run,
    /// `/postmortem help`.
    Help,
    /// A subcommand we do not know; answered with usage.
    Unknown(String),
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
        Some(_) => Command::Unknown(rest.trim().to_string()),
    })
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
        ];
        for (comment, expected) in cases {
            assert_eq!(&parse_command(comment), expected, "comment: {comment:?}");
        }
    }
}
