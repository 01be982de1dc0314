//! Tables: which column holds the action, the owner, status, tracker...; and a tolerant reader
//! for pipe tables that CommonMark rejects (a separator row with the wrong column count).

use std::sync::LazyLock;

use super::blocks::{self, Doc, Inline, Kind};
use super::text::collapse_ws;
use super::trim::TrimWs;
use super::twin::Twin;

/// Column indexes found from a header row.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Columns {
    pub action: Option<usize>,
    /// The action column was named explicitly ("Action item", "Task"), not guessed.
    pub explicit: bool,
    pub owner: Option<usize>,
    pub kind: Option<usize>,
    pub priority: Option<usize>,
    pub due: Option<usize>,
    pub status: Option<usize>,
    pub issue: Option<usize>,
    pub notes: Option<usize>,
    /// A column holding times or dates: the table is a timeline.
    pub time: Option<usize>,
}

/// What one header cell names; earlier kinds win when a header names several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Header {
    Owner,
    Status,
    Due,
    Priority,
    Kind,
    Issue,
    Notes,
    ExplicitAction,
    LooseAction,
    Time,
    Other,
}

/// Reads a header by its words, most specific field first ("Action owner" is an owner column):
/// the header is the first kind, in `Header` order, that one of its words or phrases names.
fn header_kind(cell: &str) -> Header {
    // Short ASCII headers (nearly all) are lowercased and collapsed on the stack.
    let mut buf = [0u8; 96];
    let lower_owned;
    let lower = match ascii_lower_collapsed(cell, &mut buf) {
        Some(lower) => lower,
        None => {
            lower_owned = collapse_ws(cell).to_lowercase();
            lower_owned.as_str()
        }
    };
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    if words.peek().is_none() {
        return Header::Other;
    }
    let phrase = if lower.contains("target date") || lower.contains("by when") {
        Header::Due
    } else if lower == "p" {
        Header::Priority
    } else if lower.contains("pull request") {
        Header::Issue
    } else if lower.contains("next step") || lower.contains("to do") {
        Header::ExplicitAction
    } else {
        Header::Other
    };
    words.map(header_word).fold(phrase, Ord::min)
}

/// The kind of column one lowercase header word names.
fn header_word(word: &str) -> Header {
    match word {
        "owner" | "owners" | "who" | "assignee" | "assigned" | "dri" | "responsible" | "lead" => {
            Header::Owner
        }
        "status" | "state" | "done" | "progress" | "complete" | "completed" | "resolution" => {
            Header::Status
        }
        "due" | "deadline" | "eta" => Header::Due,
        "priority" | "prio" | "pri" | "severity" | "importance" => Header::Priority,
        "type" | "category" | "kind" | "class" => Header::Kind,
        "bug" | "bugs" | "issue" | "issues" | "ticket" | "tickets" | "tracking" | "tracker"
        | "jira" | "link" | "links" | "pr" | "prs" | "reference" | "ref" => Header::Issue,
        "note" | "notes" | "comment" | "comments" | "remarks" | "details" => Header::Notes,
        "action" | "actions" | "task" | "tasks" | "todo" | "todos" | "remediation"
        | "remediations" | "recommendation" | "recommendations" | "follow" | "followup"
        | "followups" | "countermeasure" => Header::ExplicitAction,
        "item" | "items" | "description" | "what" | "title" | "summary" | "improvement"
        | "improvements" | "change" | "changes" | "fix" | "fixes" | "measure" | "measures" => {
            Header::LooseAction
        }
        "time" | "timestamp" | "date" | "when" | "utc" | "hour" => Header::Time,
        _ => Header::Other,
    }
}

/// `collapse_ws(cell).to_lowercase()` written into `buf`, for ASCII text that fits.
fn ascii_lower_collapsed<'b>(cell: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    if !cell.is_ascii() {
        return None;
    }
    let mut len = 0;
    // `char::is_whitespace`, as `collapse_ws` splits: it counts \x0B, `split_ascii_whitespace` not.
    for word in cell.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        let sep = usize::from(len > 0);
        let dst = buf.get_mut(len..len + sep + word.len())?;
        if sep == 1 {
            dst[0] = b' ';
        }
        for (d, b) in dst[sep..].iter_mut().zip(word.bytes()) {
            *d = b.to_ascii_lowercase();
        }
        len += sep + word.len();
    }
    std::str::from_utf8(buf.get(..len)?).ok()
}

/// Finds the columns from the header cells.
pub(crate) fn columns(header: &[Inline]) -> Columns {
    let mut c = Columns::default();
    for (i, cell) in header.iter().enumerate() {
        let set = |slot: &mut Option<usize>| {
            if slot.is_none() {
                *slot = Some(i);
            }
        };
        match header_kind(cell.text) {
            Header::ExplicitAction => {
                if !c.explicit {
                    c.action = Some(i);
                }
                c.explicit = true;
            }
            Header::LooseAction => {
                if c.action.is_none() {
                    c.action = Some(i);
                }
            }
            Header::Owner => set(&mut c.owner),
            Header::Kind => set(&mut c.kind),
            Header::Priority => set(&mut c.priority),
            Header::Due => set(&mut c.due),
            Header::Status => set(&mut c.status),
            Header::Issue => set(&mut c.issue),
            Header::Notes => set(&mut c.notes),
            Header::Time => set(&mut c.time),
            Header::Other => {}
        }
    }
    c
}

/// In an action section a table without a named action column still lists actions: take the
/// first column that is not one of the known field columns.
pub(crate) fn guess_action_column(c: &Columns, width: usize) -> Option<usize> {
    let known = [
        c.owner, c.kind, c.priority, c.due, c.status, c.issue, c.notes, c.time,
    ];
    (0..width).find(|i| !known.contains(&Some(*i)))
}

static SEPARATOR: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$"));

/// Header cells, and body rows with their line offset from the table's first line.
pub(crate) type LooseTable = (Vec<LooseCell>, Vec<(usize, Vec<LooseCell>)>);

/// One cell of a loose table, read as Markdown on its own.
pub(crate) struct LooseCell {
    doc: Doc<'static>,
    /// The block holding the cell's text.
    block: Option<usize>,
}

impl LooseCell {
    pub(crate) fn inline(&self) -> Inline<'_> {
        self.block
            .and_then(|b| self.doc.blocks.get(b))
            .map(|b| self.doc.inline(b))
            .unwrap_or_default()
    }
}

/// Reads a paragraph's source as a pipe table when CommonMark did not (a separator row whose cell
/// count differs from the header). Returns header cells and body rows with their line offsets.
pub(crate) fn loose_pipe_table(source: &str) -> Option<LooseTable> {
    let mut lines = source.lines().enumerate();
    let (_, header) = lines.next()?;
    let (_, sep) = lines.next()?;
    if !header.contains('|') || !SEPARATOR.is_match(sep) || !sep.contains('|') {
        return None;
    }
    let head = split_row(header);
    let mut rows = Vec::new();
    for (n, line) in lines {
        if !line.contains('|') {
            break;
        }
        rows.push((n, split_row(line)));
    }
    Some((head, rows))
}

fn split_row(line: &str) -> Vec<LooseCell> {
    let t = line.trim_ws();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in t.chars() {
        if escaped {
            cur.push(ch);
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == '|' {
            cells.push(cell_inline(&cur));
            cur.clear();
        } else {
            cur.push(ch);
        }
    }
    cells.push(cell_inline(&cur));
    cells
}

/// Inline structure of one cell's Markdown, by parsing it on its own (cells are short).
fn cell_inline(src: &str) -> LooseCell {
    let doc = blocks::walk(src.trim_ws(), super::markdown_options()).into_owned();
    let block = doc
        .blocks
        .iter()
        .position(|b| !matches!(b.kind, Kind::TableRow { .. }));
    LooseCell { doc, block }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(names: &[&'a str]) -> Vec<Inline<'a>> {
        names
            .iter()
            .map(|n| Inline {
                text: n,
                ..Inline::default()
            })
            .collect()
    }

    #[test]
    fn finds_columns_by_header() {
        let c = columns(&header(&[
            "Status",
            "Action Item",
            "Owner",
            "Tracking bug",
            "Due",
        ]));
        assert_eq!(c.action, Some(1));
        assert!(c.explicit);
        assert_eq!(c.status, Some(0));
        assert_eq!(c.owner, Some(2));
        assert_eq!(c.issue, Some(3));
        assert_eq!(c.due, Some(4));

        let c = columns(&header(&["What", "Who"]));
        assert_eq!((c.action, c.explicit, c.owner), (Some(0), false, Some(1)));

        let c = columns(&header(&["Time", "Event"]));
        assert_eq!(c.time, Some(0));
        assert_eq!(guess_action_column(&c, 2), Some(1));
    }

    #[test]
    fn headers_naming_several_fields_take_the_most_specific() {
        let cases = [
            ("Action owner", Header::Owner),
            ("Action status", Header::Status),
            ("Target   date", Header::Due),
            ("P", Header::Priority),
            ("Pull request", Header::Issue),
            ("Next steps", Header::ExplicitAction),
            ("Item to do", Header::ExplicitAction),
            ("Change summary", Header::LooseAction),
            ("Time (UTC)", Header::Time),
            ("---", Header::Other),
            // Non-ASCII and long headers take the general path, with the same rules.
            ("Owner (ÉQUIPE)", Header::Owner),
            ("Ação", Header::Other),
            (
                "A very long header cell that describes at length which follow-up action this is",
                Header::ExplicitAction,
            ),
        ];
        for (cell, want) in cases {
            assert_eq!(header_kind(cell), want, "{cell}");
        }
    }

    #[test]
    fn tolerates_a_separator_with_the_wrong_width() {
        let src = "| Task | Owner | Bug |\n| --- | --- |\n| Add **alerts** | kim | [#4](https://x/issues/4) |\n| Ragged |";
        let (head, rows) = loose_pipe_table(src).expect("table");
        assert_eq!(head.len(), 3);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1[0].inline().text, "Add alerts");
        assert_eq!(&*rows[0].1[2].inline().links[0].url, "https://x/issues/4");
        assert_eq!(rows[1].1.len(), 1);
        assert!(loose_pipe_table("just | a pipe\nno separator").is_none());
    }
}
