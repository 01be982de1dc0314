//! The follow-up rules: which list items, table rows and prose lines are action items, given the
//! section they sit in; nested bullets become details; grouping parents yield their children.

use std::borrow::Cow;
use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::blocks::{Block, Doc, Inline, Kind};
use super::fields::{self, Derived};
use super::sections::{self, Class, Sections};
use super::tables::{self, Columns};
use super::text::{self, collapsed};
use super::trim::TrimWs;
use super::{CompactString, FollowUp};

/// How content at some point of the document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Every item is a follow-up.
    Action,
    /// The document names no action section: keep only forward-looking lines.
    Fallback,
    /// Not an action section; only explicit to-do markers count.
    Neutral,
    Lessons,
    /// Timeline, impact, what went well...: never mined.
    NonAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Unset,
    /// Not an item itself; its children are read in this context.
    Group(Ctx),
    Item(usize),
    Detail(usize),
}

/// The last top-level item, for lists that continue it as details (a bold "**Step**" item
/// followed by a separate bullet list) and for dangling lead-ins ("Need to see if we can repeat on").
#[derive(Debug, Clone, Copy)]
struct Tail {
    list: u32,
    ordered: bool,
    follow_up: usize,
    takes_list: bool,
    detail_list: Option<u32>,
    dangling: bool,
}

enum TableMode {
    Skip,
    Action(Columns),
}

struct Extractor<'a> {
    doc: &'a Doc<'a>,
    source: &'a str,
    secs: &'a Sections,
    fallback: bool,
    roles: Vec<Role>,
    out: Vec<FollowUp>,
    tail: Option<Tail>,
    table: Option<(u32, TableMode)>,
    /// A sub-heading that is itself an action ("### Add lag alerts"), and its follow-up: the
    /// prose under it is its details.
    heading_item: Option<(usize, usize)>,
    /// A short label paragraph ("Lessons learned:", "**Action items:**") sets how the list right
    /// after it is read, like a heading would.
    label_ctx: Option<Ctx>,
    /// The current table row's cells, reused from row to row.
    row_cells: Vec<Inline<'a>>,
    /// Columns read from each distinct header (by its source text, and whether it heads a
    /// table or a loose pipe table in a paragraph): pages holding many incidents repeat the
    /// same table header in each.
    header_columns: HashMap<(bool, &'a str), Columns, RandomState>,
}

/// Extracts the follow-ups of a parsed document, in document order.
pub(crate) fn follow_ups(source: &str, doc: &Doc, secs: &Sections) -> Vec<FollowUp> {
    let mut ex = Extractor {
        doc,
        source,
        secs,
        fallback: !has_action_content(doc, secs),
        roles: vec![Role::Unset; doc.blocks.len()],
        // Items and table rows bound the follow-ups (prose lines aside): reserving for them
        // keeps a long list from being copied as it grows.
        out: Vec::with_capacity(doc.items_and_rows),
        tail: None,
        table: None,
        heading_item: None,
        label_ctx: None,
        row_cells: Vec::new(),
        header_columns: HashMap::default(),
    };
    for i in 0..doc.blocks.len() {
        ex.block(i);
    }
    ex.out
}

/// Whether the document says where its actions are: an action section with content, a table
/// with an action column, or a bold "**Review actions**:" label. Without any, lines are judged
/// one by one (a wiki page of flat bullets).
fn has_action_content(doc: &Doc, secs: &Sections) -> bool {
    // Content in an action section settles it, whatever comes before: asked first, it spares
    // reading the bold labels of every block above the section (most of a document), which
    // the extraction reads again anyway.
    let in_action_section = |(i, b): (usize, &Block)| {
        !b.quoted
            && !matches!(b.kind, Kind::Heading { .. })
            && secs.sections[secs.of_block[i]].class == Class::Action
    };
    if doc.blocks.iter().enumerate().any(in_action_section) {
        return true;
    }
    // Outside action sections: a table with an action column, or a bold action label.
    doc.blocks.iter().enumerate().any(|(i, b)| {
        if b.quoted {
            return false;
        }
        match &b.kind {
            Kind::Heading { .. } => false,
            Kind::TableRow { header, .. } => {
                *header
                    && !matches!(
                        secs.sections[secs.of_block[i]].class,
                        Class::NonAction | Class::Timeline
                    )
                    && tables::columns(&doc.cells(b)).explicit
            }
            Kind::Item { .. } => label_class(&doc.inline(b)) == Some(Class::Action),
            Kind::Paragraph => {
                b.container().is_none() && paragraph_label(&doc.inline(b)) == Some(Class::Action)
            }
        }
    })
}

/// The meaning of a short bold label opening an item ("**Review actions**:"), if it has one.
fn label_class(inline: &Inline) -> Option<Class> {
    let &(s, e) = inline.strong.first()?;
    if inline.text[..s].trim_ws().is_empty() {
        let label = inline.text[s..e].trim_ws().trim_end_matches(':');
        if label.split_whitespace().take(5).count() <= 4 {
            return Some(sections::classify(label));
        }
    }
    None
}

/// The meaning of a paragraph that is only a short label ("Lessons learned:", "**Action
/// items:**"), if it is one and names a kind of section.
fn paragraph_label(inline: &Inline) -> Option<Class> {
    let t = inline.text.trim_ws();
    if t.is_empty() || t.len() > 60 || t.contains('\n') {
        return None;
    }
    let all_bold = inline.strong.first().is_some_and(|&(s, e)| {
        inline.text[..s].trim_ws().is_empty()
            && inline.text[e..].trim_ws().trim_matches(':').is_empty()
    });
    if !all_bold && !t.ends_with(':') {
        return None;
    }
    let label = t.trim_end_matches(':').trim_ws();
    if label.split_whitespace().take(6).count() > 5 {
        return None;
    }
    match sections::classify(label) {
        Class::Neutral => None,
        class => Some(class),
    }
}

fn ctx_of(class: Class, fallback: bool) -> Ctx {
    match class {
        Class::Action => Ctx::Action,
        Class::Timeline | Class::NonAction => Ctx::NonAction,
        Class::Lessons if fallback => Ctx::Fallback,
        Class::Lessons => Ctx::Lessons,
        Class::Neutral if fallback => Ctx::Fallback,
        Class::Neutral => Ctx::Neutral,
    }
}

const DANGLING: &[&str] = &[
    "on",
    "in",
    "for",
    "with",
    "to",
    "of",
    "from",
    "at",
    "by",
    "about",
    "including",
    "like",
    "into",
];

impl Extractor<'_> {
    fn section_ctx(&self, i: usize) -> Ctx {
        ctx_of(
            self.secs.sections[self.secs.of_block[i]].class,
            self.fallback,
        )
    }

    fn block(&mut self, i: usize) {
        let block = &self.doc.blocks[i];
        if !matches!(block.kind, Kind::TableRow { .. }) {
            self.table = None;
        }
        if block.quoted {
            return;
        }
        match &block.kind {
            Kind::Heading { .. } => {
                self.tail = None;
                self.heading_item = None;
                self.label_ctx = None;
                self.heading(i);
            }
            Kind::Item { .. } => self.item(i),
            Kind::Paragraph => match block.container() {
                Some(c) => self.inner_paragraph(i, c),
                None => {
                    self.tail = None;
                    self.label_ctx = None;
                    if let Some(class) = paragraph_label(&self.doc.inline(block)) {
                        self.label_ctx = Some(ctx_of(class, self.fallback));
                        return;
                    }
                    match self.heading_item {
                        Some((sec, f)) if sec == self.secs.of_block[i] => {
                            let text = self.doc.text(block);
                            self.add_detail(f, text);
                        }
                        _ => self.top_paragraph(i),
                    }
                }
            },
            Kind::TableRow { .. } => {
                self.tail = None;
                self.label_ctx = None;
                self.table_row(i);
            }
        }
    }

    /// A sub-heading of an action section that names an action and holds only prose.
    fn heading(&mut self, i: usize) {
        let sec_idx = self.secs.of_block[i];
        let sec = &self.secs.sections[sec_idx];
        let parent_action = sec
            .parent
            .is_some_and(|p| self.secs.sections[p].class == Class::Action);
        if sec.class != Class::Action
            || sec.own != Class::Neutral
            || sec.kind.is_some()
            || sec.has_structure
            || !parent_action
        {
            return;
        }
        let inline = self.doc.inline(&self.doc.blocks[i]);
        let start = numbering_end(inline.text);
        if !text::starts_with_action_verb(&inline.text[start..]) {
            return;
        }
        let d = fields::derive(&inline, start, inline.text.len());
        if !acceptable(&d) {
            return;
        }
        let line = self.doc.blocks[i].line();
        let f = self.new_follow_up(i, d, line);
        self.heading_item = Some((sec_idx, f));
    }

    fn new_follow_up(&mut self, block: usize, d: Derived, line: usize) -> usize {
        let sec = &self.secs.sections[self.secs.of_block[block]];
        let mut details = Vec::new();
        if !d.rest.is_empty() {
            details.push(d.rest);
        }
        self.out.push(FollowUp {
            title: d.title,
            done: d.done.unwrap_or(sec.done),
            owner: d.owner,
            due: d.due,
            priority: d.priority,
            kind: sec.kind.map(CompactString::const_new),
            issue: d.issue,
            details,
            line: Some(line),
            incident: None,
        });
        self.out.len() - 1
    }

    fn add_detail(&mut self, f: usize, text: &str) {
        let t = collapsed(text);
        if t.is_empty() {
            return;
        }
        let Some(fu) = self.out.get_mut(f) else {
            return;
        };
        // "Owner: kim", "Due: 2024-05-01" under an item are its fields, not details.
        if let Some(colon) = memchr::memchr(b':', t.as_bytes())
            && let (Some(key), Some(value)) = (t.get(..colon), t.get(colon + 1..))
        {
            let value = value.trim_ws();
            let key = key.trim_ws().trim_matches(['*', '_']).to_ascii_lowercase();
            if !value.is_empty() && value.len() <= 60 {
                match key.as_str() {
                    "owner" | "owners" | "assignee" | "who" | "dri" if fu.owner.is_none() => {
                        fu.owner = Some(value.into());
                        return;
                    }
                    "due" | "due date" | "deadline" | "eta" if fu.due.is_none() => {
                        fu.due = Some(fields::normalize_due(value));
                        return;
                    }
                    "priority" => {
                        if let Some(p) = fields::normalize_priority(value) {
                            fu.priority = Some(p);
                            return;
                        }
                    }
                    "status" => {
                        if let Some(done) = fields::status_done(value) {
                            fu.done = done;
                            return;
                        }
                    }
                    "issue" | "ticket" | "tracking" | "tracker" | "bug" if fu.issue.is_none() => {
                        fu.issue = Some(value.into());
                        return;
                    }
                    _ => {}
                }
            }
        }
        fu.details.push(t.into_owned());
    }

    fn item(&mut self, i: usize) {
        let block = &self.doc.blocks[i];
        let Kind::Item {
            task,
            list,
            ordered,
            parent,
            ..
        } = block.kind
        else {
            return;
        };
        let parent = parent.map(|p| p as usize);
        let inline = &self.doc.inline(block);
        let mut ctx = match (parent, self.label_ctx) {
            (None, Some(c)) if self.section_ctx(i) != Ctx::NonAction => c,
            _ => self.section_ctx(i),
        };
        if let Some(p) = parent {
            let parent_task = matches!(
                self.doc.blocks.get(p).map(|b| &b.kind),
                Some(Kind::Item { task: Some(_), .. })
            );
            match self.roles.get(p).copied().unwrap_or(Role::Unset) {
                Role::Item(_) if task.is_some() && parent_task => ctx = Ctx::Action,
                Role::Item(f) | Role::Detail(f) => {
                    self.roles[i] = Role::Detail(f);
                    self.add_detail(f, inline.text);
                    return;
                }
                Role::Group(c) => ctx = c,
                Role::Unset => {}
            }
        } else if let Some(tail) = self.tail {
            // A separate list right after a "**Step**" or "...:" item continues it.
            let continues = tail.detail_list == Some(list)
                || (tail.takes_list && tail.list != list && tail.ordered != ordered);
            if continues {
                self.roles[i] = Role::Detail(tail.follow_up);
                self.tail = Some(Tail {
                    detail_list: Some(list),
                    ..tail
                });
                self.add_detail(tail.follow_up, inline.text);
                return;
            }
        }

        // Cheap screens first: most items outside action sections are not follow-ups, and
        // deriving fields runs a dozen regexes.
        if ctx != Ctx::Action && task.is_none() {
            let label = label_class(inline);
            let marked = fields::quick_marker(inline, 0, inline.text.len());
            let maybe = match ctx {
                Ctx::NonAction => label == Some(Class::Action),
                Ctx::Neutral | Ctx::Lessons => marked || label.is_some_and(|c| c != Class::Neutral),
                _ => {
                    marked
                        || label.is_some_and(|c| c != Class::Neutral)
                        || self.tail.is_some_and(|t| t.dangling)
                        || text::is_forward_looking(
                            &inline.text[..text::first_sentence_end(inline.text)],
                        )
                }
            };
            if !maybe {
                self.roles[i] = Role::Group(ctx);
                if parent.is_none() {
                    self.tail = None;
                }
                return;
            }
        }

        let d = fields::derive(inline, 0, inline.text.len());
        let whole = inline.text.trim_ws();
        let ends_in_colon = whole.ends_with(':');
        // A one-line item ending in a colon ("Process:"); the line search runs only for text
        // that ends in one.
        let colon_label =
            !d.bold_lead && ends_in_colon && memchr::memchr(b'\n', whole.as_bytes()).is_none();
        let pseudo =
            (d.bold_lead || colon_label) && d.title.split_whitespace().take(5).count() <= 4;
        if pseudo {
            let class = match sections::classify(&d.title) {
                // "**Alert on growth rate**" is an action, not an "Alert" section.
                Class::Timeline | Class::NonAction | Class::Lessons
                    if text::starts_with_action_verb(&d.title) =>
                {
                    Class::Neutral
                }
                class => class,
            };
            match class {
                Class::Action => {
                    self.roles[i] = Role::Group(Ctx::Action);
                    if !d.rest.is_empty() {
                        self.statements(i, inline, d.rest_start, Ctx::Action, false);
                    }
                    return;
                }
                Class::Timeline | Class::NonAction => {
                    self.roles[i] = Role::Group(Ctx::NonAction);
                    return;
                }
                Class::Lessons => {
                    self.roles[i] = Role::Group(ctx_of(Class::Lessons, self.fallback));
                    return;
                }
                Class::Neutral => {
                    let has_children = matches!(
                        block.kind,
                        Kind::Item {
                            has_children: true,
                            ..
                        }
                    );
                    if (d.label_only || colon_label) && has_children {
                        self.roles[i] = Role::Group(ctx);
                        return;
                    }
                    // A short "Label:" introducing nothing is not an action.
                    if colon_label {
                        self.roles[i] = Role::Group(ctx);
                        return;
                    }
                }
            }
        }

        // Dangling lead-in: "Need to see if we can repeat on" followed by what to repeat on.
        if parent.is_none()
            && ctx == Ctx::Fallback
            && let Some(tail) = self.tail
            && tail.dangling
            && tail.list == list
            && !text::is_forward_looking(&d.title)
        {
            self.roles[i] = Role::Detail(tail.follow_up);
            self.add_detail(tail.follow_up, inline.text);
            return;
        }

        let is_item = match ctx {
            Ctx::Action => acceptable(&d),
            Ctx::Fallback => {
                acceptable(&d)
                    && (d.status_tagged
                        || (task.is_some() && !text::is_review_step(&d.title))
                        || (text::is_forward_looking(&d.title) && !text::is_narrative(&d.title)))
            }
            // A checkbox is an explicit to-do wherever it appears outside narrative sections.
            Ctx::Neutral | Ctx::Lessons => {
                (d.status_marked || task.is_some())
                    && acceptable(&d)
                    && !text::is_review_step(&d.title)
            }
            Ctx::NonAction => false,
        };
        if !is_item {
            self.roles[i] = Role::Group(ctx);
            if parent.is_none() {
                self.tail = None;
            }
            return;
        }
        let mut d = d;
        if task == Some(true) {
            d.done = Some(true);
        } else if task == Some(false) && d.done.is_none() {
            d.done = Some(false);
        }
        let takes_list = ends_in_colon || (d.bold_lead && d.label_only);
        let last_word = memchr::memrchr(b' ', d.title.as_bytes()).map_or(&d.title[..], |space| {
            d.title.get(space + 1..).unwrap_or_default()
        });
        let dangling = DANGLING.iter().any(|w| last_word.eq_ignore_ascii_case(w));
        let f = self.new_follow_up(i, d, block.line());
        self.roles[i] = Role::Item(f);
        if parent.is_none() {
            self.tail = Some(Tail {
                list,
                ordered,
                follow_up: f,
                takes_list,
                detail_list: None,
                dangling,
            });
        }
    }

    fn inner_paragraph(&mut self, i: usize, container: usize) {
        match self.roles.get(container).copied().unwrap_or(Role::Unset) {
            Role::Item(f) | Role::Detail(f) => {
                let text = self.doc.text(&self.doc.blocks[i]);
                self.add_detail(f, text);
            }
            Role::Group(Ctx::Action) => {
                let inline = self.doc.inline(&self.doc.blocks[i]);
                self.statements(i, &inline, 0, Ctx::Action, false);
            }
            _ => {}
        }
    }

    fn top_paragraph(&mut self, i: usize) {
        let block = &self.doc.blocks[i];
        let ctx = self.section_ctx(i);
        if let Some(raw) = self.source.get(block.source_range())
            // A vector search: `str::contains` reads a word at a time, and every top-level
            // paragraph's source is asked.
            && memchr::memchr(b'|', raw.as_bytes()).is_some()
            && let Some((head, rows)) = tables::loose_pipe_table(raw)
        {
            let head: Vec<Inline> = head.iter().map(tables::LooseCell::inline).collect();
            let rows: Vec<(usize, Vec<Inline>)> = rows
                .iter()
                .map(|(n, cells)| (*n, cells.iter().map(tables::LooseCell::inline).collect()))
                .collect();
            self.loose_table(i, &head, &rows);
            return;
        }
        let structured = self.secs.sections[self.secs.of_block[i]].has_structure;
        self.statements(i, &self.doc.inline(block), 0, ctx, structured);
    }

    /// Prose: each statement line of a paragraph may be an item, depending on the context.
    fn statements(&mut self, i: usize, inline: &Inline, from: usize, ctx: Ctx, structured: bool) {
        let line0 = self.doc.blocks[i].line();
        let text = inline.text;
        let from = from.min(text.len());
        // Lines are counted incrementally: a paragraph of many lines stays linear.
        let mut counted = 0;
        let mut line = line0;
        if ctx == Ctx::NonAction {
            return;
        }
        // A bold-lead paragraph names its action in the lead; the lines after it explain it.
        let mut lead: Option<usize> = None;
        for (off, piece) in text::statement_lines(&text[from..]) {
            let start = from + off;
            line += inline.lines_between(counted, start);
            counted = start;
            let marked = fields::quick_marker(inline, start, start + piece.len());
            if let Some(f) = lead
                && !marked
                && inline.strong_in(start, start + piece.len()).is_empty()
            {
                self.add_detail(f, piece);
                continue;
            }
            let maybe = match ctx {
                Ctx::Action => true,
                Ctx::Fallback => {
                    marked || text::is_forward_looking(&piece[..text::first_sentence_end(piece)])
                }
                _ => marked,
            };
            if !maybe {
                continue;
            }
            let d = fields::derive(inline, start, start + piece.len());
            let ends_colon = piece.trim_end_ws().ends_with(':');
            let keep = if d.status_marked {
                ctx != Ctx::NonAction && acceptable(&d)
            } else if d.status_tagged {
                ctx == Ctx::Action && acceptable(&d)
            } else {
                match ctx {
                    Ctx::Action => {
                        acceptable(&d)
                            && !ends_colon
                            && !text::is_intro(&d.title)
                            && (!structured || (d.bold_lead && !d.label_only && !is_note(&d)))
                            && (d.bold_lead || !text::is_narrative(&d.title))
                    }
                    Ctx::Fallback => {
                        acceptable(&d)
                            && !ends_colon
                            && text::is_forward_looking(&d.title)
                            && !text::is_narrative(&d.title)
                            && !text::is_past(&d.title)
                    }
                    _ => false,
                }
            };
            if keep {
                let opens_bold = inline
                    .strong_in(start, start + piece.len())
                    .first()
                    .is_some_and(|&(s, _)| {
                        text.get(start..s).is_some_and(|t| t.trim_ws().is_empty())
                    });
                let bold_lead = ctx == Ctx::Action && opens_bold && !d.label_only;
                let f = self.new_follow_up(i, d, line);
                if bold_lead {
                    lead = Some(f);
                }
            }
        }
    }

    fn table_row(&mut self, i: usize) {
        let block = &self.doc.blocks[i];
        let Kind::TableRow { table, header, .. } = &block.kind else {
            return;
        };
        let mut cells = std::mem::take(&mut self.row_cells);
        self.doc.cells_into(block, &mut cells);
        if *header || !matches!(self.table, Some((t, _)) if t == *table) {
            let mode = if *header {
                self.table_mode(i, &cells)
            } else {
                TableMode::Skip
            };
            self.table = Some((*table, mode));
        }
        if !*header && let Some((_, TableMode::Action(cols))) = &self.table {
            let cols = cols.clone();
            self.table_item(i, &cols, &cells, block.line());
        }
        self.row_cells = cells;
    }

    fn table_mode(&mut self, i: usize, header: &[Inline]) -> TableMode {
        let ctx = self.section_ctx(i);
        let mut cols = self.columns(i, header);
        match ctx {
            Ctx::Action => {
                if cols.action.is_none() {
                    if cols.time.is_some() {
                        return TableMode::Skip;
                    }
                    cols.action = tables::guess_action_column(&cols, header.len());
                }
                if cols.action.is_some() {
                    TableMode::Action(cols)
                } else {
                    TableMode::Skip
                }
            }
            Ctx::NonAction => TableMode::Skip,
            _ if cols.explicit => TableMode::Action(cols),
            _ => TableMode::Skip,
        }
    }

    /// `tables::columns` of the header in block `i`, read once per distinct header text (the
    /// same source text holds the same cells within one document).
    fn columns(&mut self, i: usize, header: &[Inline]) -> Columns {
        let block = self.doc.blocks.get(i);
        let source = block.and_then(|b| self.source.get(b.source_range()));
        let loose = block.is_some_and(|b| b.kind == Kind::Paragraph);
        match source {
            Some(text) => self
                .header_columns
                .entry((loose, text))
                .or_insert_with(|| tables::columns(header))
                .clone(),
            None => tables::columns(header),
        }
    }

    fn loose_table(&mut self, i: usize, head: &[Inline], rows: &[(usize, Vec<Inline>)]) {
        if let TableMode::Action(cols) = self.table_mode(i, head) {
            let line0 = self.doc.blocks[i].line();
            for (n, cells) in rows {
                self.table_item(i, &cols, cells, line0 + n);
            }
        }
    }

    fn table_item(&mut self, i: usize, cols: &Columns, cells: &[Inline], line: usize) {
        let Some(action) = cols.action.and_then(|a| cells.get(a)) else {
            return;
        };
        let mut d = fields::derive(action, 0, action.text.len());
        if !acceptable(&d) {
            return;
        }
        let cell_text = |c: Option<usize>| -> Option<Cow<'_, str>> {
            let t = collapsed(cells.get(c?)?.text);
            (!t.is_empty() && !text::is_placeholder(&t)).then_some(t)
        };
        if let Some(owner) = cell_text(cols.owner) {
            d.owner = Some(owner.as_ref().into());
        }
        if let Some(p) = cell_text(cols.priority) {
            d.priority = Some(fields::normalize_priority(&p).unwrap_or_else(|| p.as_ref().into()));
        }
        if let Some(due) = cell_text(cols.due) {
            d.due = Some(fields::normalize_due(&due));
        }
        if let Some(status) = cell_text(cols.status)
            && let Some(done) = fields::status_done(&status)
        {
            d.done = Some(done);
        }
        let mut kind = None;
        if let Some(c) = cols.kind
            && let Some(cell) = cells.get(c)
            && cell.links.is_empty()
        {
            kind = cell_text(Some(c)).map(|k| {
                sections::kind_of(&k)
                    .map_or_else(|| k.to_lowercase().into(), CompactString::const_new)
            });
        }
        let mut details = Vec::new();
        if let Some(notes) = cell_text(cols.notes) {
            details.push(notes.into_owned());
        }
        // Any other cell may carry the tracker or the status (a "Bug" column reading DONE).
        let order = cols.issue.into_iter().chain(0..cells.len());
        for c in order {
            if Some(c) == cols.action {
                continue;
            }
            let Some(cell) = cells.get(c) else { continue };
            if d.issue.is_none() {
                d.issue = cell
                    .links
                    .iter()
                    .find(|l| Some(c) == cols.issue || fields::is_tracker_url(&l.url))
                    .map(|l| {
                        if l.url.starts_with("http") {
                            // Through `&str`: `CowStr`'s own `to_string` goes through `Display`.
                            CompactString::from(&*l.url)
                        } else {
                            cell.text[l.start..l.end].into()
                        }
                    })
                    .or_else(|| {
                        let t = collapsed(cell.text);
                        (Some(c) == cols.issue
                            && (fields::is_tracker_ref(&t) || fields::is_tracker_url(&t)))
                        .then(|| t.as_ref().into())
                    });
            }
            if d.done.is_none() && Some(c) != cols.owner {
                d.done = fields::status_done(cell.text);
            }
        }
        let f = self.new_follow_up(i, d, line);
        if let Some(fu) = self.out.get_mut(f) {
            if kind.is_some() {
                fu.kind = kind;
            }
            fu.details.extend(details);
        }
    }
}

/// End of a leading "1." / "2)" / "Step 3:" numbering.
fn numbering_end(s: &str) -> usize {
    let t = s.trim_start_ws();
    let lead = s.len() - t.len();
    let rest = t
        .strip_prefix("Step ")
        .or_else(|| t.strip_prefix("step "))
        .unwrap_or(t);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return lead;
    }
    let after = &rest[digits..];
    let Some(after) = after.strip_prefix(['.', ')', ':']) else {
        return lead;
    };
    s.len() - after.trim_start_ws().len()
}

fn acceptable(d: &Derived) -> bool {
    !d.link_only
        && !text::is_placeholder(&d.title)
        && !text::is_aside(&d.title)
        && (d.rest.len() > 80 || !text::is_aside(&d.rest))
}

fn is_note(d: &Derived) -> bool {
    let t = d.title.to_ascii_lowercase();
    t.starts_with("note") || t.starts_with("nb") || t.starts_with("tl;dr")
}
