//! Pure: Markdown text → `PostMortem` (follow-ups, timeline, figures). No I/O, no GitHub types.

use serde::Serialize;

/// What the parser makes of one post-mortem document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostMortem {
    /// The document's title: front matter `title`, else its first heading.
    pub title: Option<String>,
    /// Incident headings when one page holds several incidents, in document order.
    pub incidents: Vec<String>,
    pub follow_ups: Vec<FollowUp>,
    pub timeline: Vec<TimelineEntry>,
    pub figures: Figures,
}

/// One action item, as a careful reader would track it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowUp {
    pub title: String,
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// ISO date (`YYYY-MM-DD`) when one could be read, else the text as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Normalized: `P0`..`P3`, `High`, `Medium`, `Low`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// prevent, mitigate, detect, process, or the document's own word.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// An existing tracker the item names: a URL, `owner/repo#12`, `#12`, `Bug 12345`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// 1-based line of the item in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The incident heading this item belongs to, on pages holding several incidents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// The time as written ("3:03pm", "2024-05-01 14:03 UTC").
    pub at: String,
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Minutes from the incident's start (or report) to its resolution, when both are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_resolve_minutes: Option<i64>,
}

/// Parses a post-mortem. Never panics; bounded work on any input.
pub fn parse(_text: &str) -> PostMortem {
    PostMortem::default()
}

/// Parses raw bytes, reading invalid UTF-8 lossily.
pub fn parse_bytes(bytes: &[u8]) -> PostMortem {
    parse(&String::from_utf8_lossy(bytes))
}
