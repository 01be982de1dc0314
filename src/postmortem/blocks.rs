//! One pass over pulldown-cmark's event stream into a flat list of blocks (headings, list items,
//! paragraphs, table rows) with their plain text, bold/strike/link spans and line numbers.
//!
//! Iterative on purpose: nesting depth is tracked in explicit stacks, so hostile input (100k nested
//! quotes or lists) costs memory proportional to its size, never stack depth.

use pulldown_cmark::{Event, MetadataBlockKind, Parser, Tag, TagEnd};

/// Plain text of one block with the inline structure the extractor needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Inline {
    /// Text with Markdown removed; soft and hard line breaks are `\n`.
    pub text: String,
    /// Byte ranges of `text` set in bold (outermost spans only).
    pub strong: Vec<(usize, usize)>,
    /// Byte ranges of `text` struck through.
    pub struck: Vec<(usize, usize)>,
    pub links: Vec<Link>,
    /// Positions of `\n`s that stand for `<br>` rather than a line of the source.
    pub html_breaks: Vec<usize>,
}

impl Inline {
    /// Source lines between two text positions: line breaks minus `<br>` breaks.
    pub(crate) fn lines_between(&self, from: usize, to: usize) -> usize {
        let (from, to) = (from.min(self.text.len()), to.min(self.text.len()));
        if from >= to {
            return 0;
        }
        let breaks = self.text.as_bytes()[from..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let lo = self.html_breaks.partition_point(|&p| p < from);
        let hi = self.html_breaks.partition_point(|&p| p < to);
        breaks.saturating_sub(hi.saturating_sub(lo))
    }

    /// Links starting in `from..to`. Spans are recorded in text order, so this is a binary search:
    /// per-statement lookups stay cheap on a paragraph with thousands of lines.
    pub(crate) fn links_in(&self, from: usize, to: usize) -> &[Link] {
        let lo = self.links.partition_point(|l| l.start < from);
        let hi = self.links.partition_point(|l| l.start < to).max(lo);
        &self.links[lo..hi]
    }

    pub(crate) fn strong_in(&self, from: usize, to: usize) -> &[(usize, usize)] {
        spans_in(&self.strong, from, to)
    }

    pub(crate) fn struck_in(&self, from: usize, to: usize) -> &[(usize, usize)] {
        spans_in(&self.struck, from, to)
    }
}

fn spans_in(spans: &[(usize, usize)], from: usize, to: usize) -> &[(usize, usize)] {
    let lo = spans.partition_point(|s| s.0 < from);
    let hi = spans.partition_point(|s| s.0 < to).max(lo);
    &spans[lo..hi]
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub start: usize,
    pub end: usize,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Heading {
        level: u8,
    },
    Paragraph,
    Item {
        /// Number of enclosing list items.
        depth: usize,
        ordered: bool,
        /// `Some(checked)` for task-list items.
        task: Option<bool>,
        /// Identifies the list this item belongs to.
        list: usize,
        /// Block index of the enclosing item.
        parent: Option<usize>,
    },
    TableRow {
        table: usize,
        header: bool,
        cells: Vec<Inline>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub kind: Kind,
    pub inline: Inline,
    /// 1-based line where the block starts.
    pub line: usize,
    /// Block index of the list item this block sits in, if any.
    pub container: Option<usize>,
    /// Inside a block quote (chat logs, quoted mail): never mined for items.
    pub quoted: bool,
    /// Source byte range, for the few rules that look at raw Markdown.
    pub start: usize,
    pub end: usize,
}

/// The blocks of a document plus its front matter text, if any.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    pub blocks: Vec<Block>,
    pub metadata: Option<String>,
}

enum Frame {
    List { ordered: bool, id: usize },
    Item { block: usize, first_done: bool },
    Quote,
    Other,
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    None,
    Block(usize),
    Cell(usize),
}

struct Walker {
    doc: Doc,
    frames: Vec<Frame>,
    /// Block indexes of the open list items, innermost last (kept apart from `frames` so depth and
    /// parent lookups are O(1) however deep quotes and lists interleave).
    items: Vec<usize>,
    target: Target,
    /// Nesting of strong/strike spans; only the outermost ones are recorded.
    strong_open: Vec<usize>,
    struck_open: Vec<usize>,
    link_open: Vec<(usize, String)>,
    /// Inside an image, code block, HTML block or metadata block: text is not block text.
    skip: usize,
    quote_depth: usize,
    lists: usize,
    tables: usize,
    in_head: bool,
    line_starts: Vec<usize>,
}

pub(crate) fn walk(text: &str, options: pulldown_cmark::Options) -> Doc {
    let mut line_starts = vec![0];
    line_starts.extend(memchr_newlines(text));
    let mut w = Walker {
        // Roughly one block per short line of prose; avoids repeated regrowth of a large Vec.
        doc: Doc {
            blocks: Vec::with_capacity(text.len() / 96),
            metadata: None,
        },
        frames: Vec::new(),
        items: Vec::new(),
        target: Target::None,
        strong_open: Vec::new(),
        struck_open: Vec::new(),
        link_open: Vec::new(),
        skip: 0,
        quote_depth: 0,
        lists: 0,
        tables: 0,
        in_head: false,
        line_starts,
    };
    let mut metadata: Option<String> = None;
    let mut in_meta = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(kind)) => {
                in_meta = matches!(
                    kind,
                    MetadataBlockKind::YamlStyle | MetadataBlockKind::PlusesStyle
                );
                w.skip += 1;
            }
            Event::End(TagEnd::MetadataBlock(_)) => {
                in_meta = false;
                w.skip = w.skip.saturating_sub(1);
            }
            Event::Text(t) if in_meta => metadata.get_or_insert_with(String::new).push_str(&t),
            Event::Start(tag) => w.start(tag, range),
            Event::End(end) => w.end(end, range.end),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                w.push_text(&t)
            }
            Event::InlineHtml(h) => {
                let lower = h.to_ascii_lowercase();
                if lower.starts_with("<br") {
                    if let Some(inline) = w.current_inline() {
                        let at = inline.text.len();
                        inline.html_breaks.push(at);
                    }
                    w.push_text("\n");
                }
            }
            Event::SoftBreak | Event::HardBreak => w.push_text("\n"),
            Event::TaskListMarker(checked) => {
                if let Some(&block) = w.items.last()
                    && let Kind::Item { task, .. } = &mut w.doc.blocks[block].kind
                {
                    *task = Some(checked);
                }
            }
            Event::FootnoteReference(_) | Event::Html(_) | Event::Rule => {}
        }
    }
    w.doc.metadata = metadata;
    w.doc
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

impl Walker {
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i.max(1),
        }
    }

    fn innermost_item_block(&self) -> Option<usize> {
        self.items.last().copied()
    }

    fn new_block(&mut self, kind: Kind, start: usize) -> usize {
        self.new_block_sized(kind, start, 0)
    }

    /// `capacity`: the source length, so the text is copied without regrowing.
    fn new_block_sized(&mut self, kind: Kind, start: usize, capacity: usize) -> usize {
        let line = self.line_of(start);
        let container = self.innermost_item_block();
        let text = if self.quote_depth > 0 {
            String::new()
        } else {
            String::with_capacity(capacity)
        };
        self.doc.blocks.push(Block {
            kind,
            inline: Inline {
                text,
                ..Inline::default()
            },
            line,
            container,
            quoted: self.quote_depth > 0,
            start,
            end: start,
        });
        self.doc.blocks.len() - 1
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>) {
        if self.skip > 0 {
            if matches!(
                tag,
                Tag::Image { .. } | Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_)
            ) {
                self.skip += 1;
            }
            return;
        }
        match tag {
            Tag::Paragraph => {
                // The first paragraph of a list item is the item's own text.
                let item_first = match self.frames.last() {
                    Some(Frame::Item { block, first_done }) if !*first_done => Some(*block),
                    _ => None,
                };
                self.target = match item_first {
                    Some(block) if self.doc.blocks[block].inline.text.trim().is_empty() => {
                        Target::Block(block)
                    }
                    _ => {
                        self.mark_item_first_done();
                        let len = range.end.saturating_sub(range.start);
                        Target::Block(self.new_block_sized(Kind::Paragraph, range.start, len))
                    }
                };
            }
            Tag::Heading { level, .. } => {
                let id = self.new_block(Kind::Heading { level: level as u8 }, range.start);
                self.target = Target::Block(id);
            }
            Tag::List(start) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.lists += 1;
                self.frames.push(Frame::List {
                    ordered: start.is_some(),
                    id: self.lists,
                });
            }
            Tag::Item => {
                let (ordered, list) = match self.frames.last() {
                    Some(Frame::List { ordered, id }) => (*ordered, *id),
                    _ => (false, 0),
                };
                let parent = self.innermost_item_block();
                let depth = self.items.len();
                let block = self.new_block_sized(
                    Kind::Item {
                        depth,
                        ordered,
                        task: None,
                        list,
                        parent,
                    },
                    range.start,
                    // The range covers nested lists too; the item's own line is usually short.
                    range.end.saturating_sub(range.start).min(160),
                );
                self.frames.push(Frame::Item {
                    block,
                    first_done: false,
                });
                self.items.push(block);
                self.target = Target::None;
            }
            Tag::BlockQuote(_) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.quote_depth += 1;
                self.frames.push(Frame::Quote);
            }
            Tag::Table(_) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.tables += 1;
                self.frames.push(Frame::Other);
            }
            Tag::TableHead => {
                self.in_head = true;
                self.start_row(range.start);
            }
            Tag::TableRow => self.start_row(range.start),
            Tag::TableCell => {
                if let Some(Block {
                    kind: Kind::TableRow { cells, .. },
                    ..
                }) = self.doc.blocks.last_mut()
                {
                    cells.push(Inline::default());
                    self.target = Target::Cell(self.doc.blocks.len() - 1);
                }
            }
            Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Image { .. } | Tag::MetadataBlock(_) => {
                if !matches!(tag, Tag::Image { .. }) {
                    self.mark_item_first_done();
                }
                self.skip += 1;
            }
            Tag::Strong => {
                let pos = self.current_len();
                self.strong_open.push(pos);
            }
            Tag::Strikethrough => {
                let pos = self.current_len();
                self.struck_open.push(pos);
            }
            Tag::Link { dest_url, .. } => {
                let pos = self.current_len();
                self.link_open.push((pos, dest_url.into_string()));
            }
            _ => {}
        }
    }

    fn start_row(&mut self, start: usize) {
        let header = self.in_head;
        let table = self.tables;
        self.new_block(
            Kind::TableRow {
                table,
                header,
                cells: Vec::new(),
            },
            start,
        );
    }

    fn mark_item_first_done(&mut self) {
        if let Some(Frame::Item { first_done, .. }) = self.frames.last_mut() {
            *first_done = true;
        }
    }

    fn end(&mut self, end: TagEnd, offset: usize) {
        if self.skip > 0 {
            if matches!(
                end,
                TagEnd::Image | TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_)
            ) {
                self.skip -= 1;
            }
            return;
        }
        match end {
            TagEnd::Paragraph | TagEnd::Heading(_) => {
                if let Target::Block(b) = self.target {
                    self.doc.blocks[b].end = offset;
                }
                self.mark_item_first_done();
                self.target = Target::None;
            }
            TagEnd::List(_) => {
                if matches!(self.frames.last(), Some(Frame::List { .. })) {
                    self.frames.pop();
                }
            }
            TagEnd::Item => {
                if let Some(Frame::Item { block, .. }) = self.frames.last() {
                    let block = *block;
                    self.doc.blocks[block].end = offset;
                    self.frames.pop();
                    self.items.pop();
                }
                self.target = Target::None;
            }
            TagEnd::BlockQuote(_) => {
                if matches!(self.frames.last(), Some(Frame::Quote)) {
                    self.frames.pop();
                }
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::Table => {
                if matches!(self.frames.last(), Some(Frame::Other)) {
                    self.frames.pop();
                }
            }
            TagEnd::TableHead => {
                self.in_head = false;
                self.end_row(offset);
            }
            TagEnd::TableRow => self.end_row(offset),
            TagEnd::TableCell => self.target = Target::None,
            TagEnd::Strong => {
                if let Some(start) = self.strong_open.pop()
                    && self.strong_open.is_empty()
                {
                    let end = self.current_len();
                    if let Some(inline) = self.current_inline() {
                        inline.strong.push((start.min(end), end));
                    }
                }
            }
            TagEnd::Strikethrough => {
                if let Some(start) = self.struck_open.pop()
                    && self.struck_open.is_empty()
                {
                    let end = self.current_len();
                    if let Some(inline) = self.current_inline() {
                        inline.struck.push((start.min(end), end));
                    }
                }
            }
            TagEnd::Link => {
                if let Some((start, url)) = self.link_open.pop() {
                    let end = self.current_len();
                    if let Some(inline) = self.current_inline() {
                        inline.links.push(Link {
                            start: start.min(end),
                            end,
                            url,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    fn end_row(&mut self, offset: usize) {
        if let Some(last) = self.doc.blocks.last_mut()
            && matches!(last.kind, Kind::TableRow { .. })
        {
            last.end = offset;
        }
        self.target = Target::None;
    }

    /// Where inline text goes right now; text directly inside a tight list item belongs to it.
    fn resolve_target(&mut self) -> Target {
        if self.target == Target::None
            && let Some(Frame::Item { block, first_done }) = self.frames.last()
            && !*first_done
        {
            self.target = Target::Block(*block);
        }
        self.target
    }

    fn current_inline(&mut self) -> Option<&mut Inline> {
        match self.resolve_target() {
            Target::None => None,
            Target::Block(b) => Some(&mut self.doc.blocks[b].inline),
            Target::Cell(b) => match &mut self.doc.blocks[b].kind {
                Kind::TableRow { cells, .. } => cells.last_mut(),
                _ => None,
            },
        }
    }

    fn current_len(&mut self) -> usize {
        self.current_inline().map_or(0, |i| i.text.len())
    }

    fn push_text(&mut self, t: &str) {
        // Quoted text (chat logs, mail) is never mined: do not copy it.
        if self.skip > 0 || self.quote_depth > 0 {
            return;
        }
        if let Some(inline) = self.current_inline() {
            inline.text.push_str(t);
        }
    }
}
