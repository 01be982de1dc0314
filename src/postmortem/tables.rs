//! Tables: which column holds the action, the owner, status, tracker...; and a tolerant reader
//! for pipe tables that CommonMark rejects (a separator row with the wrong column count).

use std::sync::LazyLock;

use regex::Regex;

use super::blocks::{self, Inline, Kind};
use super::text::collapse_ws;

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

static EXPLICIT_ACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(action\s*items?|actions?|follow[\s-]*ups?|tasks?|to[\s-]?dos?|remediations?|corrective\s+actions?|action\s+points?|next\s+steps?|recommendations?)$")
        .expect("explicit action column regex")
});
static LOOSE_ACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(items?|descriptions?|what|title|summary|work\s+items?|improvements?|changes?|fix(es)?|measures?)$")
        .expect("loose action column regex")
});
static OWNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(owners?|who|assignee|assigned\s*to|dri|responsible|lead|team)$")
        .expect("owner column regex")
});
static KIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(type|category|kind|class)$").expect("kind column regex"));
static PRIORITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(priority|prio|pri|p|severity|importance)$").expect("prio column regex")
});
static DUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(due|due\s*date|deadline|eta|target(\s*date)?|by\s+when|when)$")
        .expect("due column regex")
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(status|state|done\??|progress|complete\??|resolution)$")
        .expect("status column regex")
});
static ISSUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(bugs?|issues?|tickets?|tracking(\s*(bug|issue|ticket|link))?|tracker|links?|prs?|pull\s*requests?|jira|reference|ref)$")
        .expect("issue column regex")
});
static NOTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(notes?|comments?|details|remarks)$").expect("notes column regex")
});
static TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(time|timestamp|date|when)\b").expect("time column regex"));

/// Finds the columns from the header cells.
pub(crate) fn columns(header: &[Inline]) -> Columns {
    let mut c = Columns::default();
    for (i, cell) in header.iter().enumerate() {
        let name = collapse_ws(&cell.text);
        let name = name.trim_matches(['*', '_', ':', ' ']);
        let set = |slot: &mut Option<usize>| {
            if slot.is_none() {
                *slot = Some(i);
            }
        };
        if EXPLICIT_ACTION.is_match(name) {
            if !c.explicit {
                c.action = Some(i);
            }
            c.explicit = true;
        } else if LOOSE_ACTION.is_match(name) {
            if c.action.is_none() {
                c.action = Some(i);
            }
        } else if OWNER.is_match(name) {
            set(&mut c.owner);
        } else if KIND.is_match(name) {
            set(&mut c.kind);
        } else if PRIORITY.is_match(name) {
            set(&mut c.priority);
        } else if DUE.is_match(name) {
            set(&mut c.due);
        } else if STATUS.is_match(name) {
            set(&mut c.status);
        } else if ISSUE.is_match(name) {
            set(&mut c.issue);
        } else if NOTES.is_match(name) {
            set(&mut c.notes);
        } else if TIME.is_match(name) {
            set(&mut c.time);
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

static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$").expect("separator regex")
});

/// Header cells, and body rows with their line offset from the table's first line.
pub(crate) type LooseTable = (Vec<Inline>, Vec<(usize, Vec<Inline>)>);

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

fn split_row(line: &str) -> Vec<Inline> {
    let t = line.trim();
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
fn cell_inline(src: &str) -> Inline {
    let doc = blocks::walk(src.trim(), super::markdown_options());
    doc.blocks
        .into_iter()
        .find(|b| !matches!(b.kind, Kind::TableRow { .. }))
        .map(|b| b.inline)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<Inline> {
        names
            .iter()
            .map(|n| Inline {
                text: (*n).to_string(),
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
    fn tolerates_a_separator_with_the_wrong_width() {
        let src = "| Task | Owner | Bug |\n| --- | --- |\n| Add **alerts** | kim | [#4](https://x/issues/4) |\n| Ragged |";
        let (head, rows) = loose_pipe_table(src).expect("table");
        assert_eq!(head.len(), 3);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1[0].text, "Add alerts");
        assert_eq!(rows[0].1[2].links[0].url, "https://x/issues/4");
        assert_eq!(rows[1].1.len(), 1);
        assert!(loose_pipe_table("just | a pipe\nno separator").is_none());
    }
}
