//! One pass over pulldown-cmark's event stream into a flat list of blocks (headings, list items,
//! paragraphs, table rows) with their plain text, bold/strike/link spans and line numbers.
//!
//! Iterative on purpose: nesting depth is tracked in explicit stacks, so hostile input (100k nested
//! quotes or lists) costs memory proportional to its size, never stack depth.
//!
//! The text and spans of all blocks live in a few shared arenas and a block holds ranges into
//! them: a document of thousands of blocks costs a handful of allocations, not several per block.

use pulldown_cmark::{CowStr, Event, MetadataBlockKind, Parser, Tag, TagEnd};

use super::trim::TrimWs;

/// Plain text of one block with the inline structure the extractor needs: a view into a `Doc`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Inline<'a> {
    /// Text with Markdown removed; soft and hard line breaks are `\n`.
    pub text: &'a str,
    /// Byte ranges of `text` set in bold (outermost spans only).
    pub strong: &'a [(usize, usize)],
    /// Byte ranges of `text` struck through.
    pub struck: &'a [(usize, usize)],
    pub links: &'a [Link<'a>],
    /// Positions of `\n`s that stand for `<br>` rather than a line of the source.
    pub html_breaks: &'a [usize],
}

impl<'a> Inline<'a> {
    /// Source lines between two text positions: line breaks minus `<br>` breaks.
    pub(crate) fn lines_between(&self, from: usize, to: usize) -> usize {
        let (from, to) = (from.min(self.text.len()), to.min(self.text.len()));
        if from >= to {
            return 0;
        }
        let breaks = count_newlines(&self.text.as_bytes()[from..to]);
        let lo = self.html_breaks.partition_point(|&p| p < from);
        let hi = self.html_breaks.partition_point(|&p| p < to);
        breaks.saturating_sub(hi.saturating_sub(lo))
    }

    /// Links starting in `from..to`. Spans are recorded in text order, so this is a binary search:
    /// per-statement lookups stay cheap on a paragraph with thousands of lines.
    pub(crate) fn links_in(&self, from: usize, to: usize) -> &'a [Link<'a>] {
        let lo = self.links.partition_point(|l| l.start < from);
        let hi = self.links.partition_point(|l| l.start < to).max(lo);
        &self.links[lo..hi]
    }

    pub(crate) fn strong_in(&self, from: usize, to: usize) -> &'a [(usize, usize)] {
        spans_in(self.strong, from, to)
    }

    pub(crate) fn struck_in(&self, from: usize, to: usize) -> &'a [(usize, usize)] {
        spans_in(self.struck, from, to)
    }
}

fn spans_in(spans: &[(usize, usize)], from: usize, to: usize) -> &[(usize, usize)] {
    let lo = spans.partition_point(|s| s.0 < from);
    let hi = spans.partition_point(|s| s.0 < to).max(lo);
    &spans[lo..hi]
}

/// Counts `\n` bytes. Summed in chunks of bytes so the compiler vectorizes the loop (a plain
/// filter-and-count compiles to a byte-at-a-time loop).
pub(crate) fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            let n: u8 = chunk.iter().map(|&b| u8::from(b == b'\n')).sum();
            usize::from(n)
        })
        .sum()
}

/// `count_newlines(&bytes[from..to])` in whole 32-byte windows, the last one ending at `to` and
/// reaching back before `from` with those bytes masked out: the walk asks this between every
/// two block starts (either way round), and a loop over the odd bytes at the end mispredicted
/// its exit each time.
fn newlines_between(bytes: &[u8], from: usize, to: usize) -> usize {
    let Some(range) = bytes.get(from..to) else {
        return 0;
    };
    let whole = range.len() / 32 * 32;
    let mut n: usize = range[..whole]
        .chunks_exact(32)
        .map(|w| newlines_in(w, 0))
        .sum();
    let odd = range.len() - whole;
    if odd > 0 {
        n += match to.checked_sub(32).and_then(|start| bytes.get(start..to)) {
            Some(window) => newlines_in(window, 32 - odd),
            None => count_newlines(&range[whole..]),
        };
    }
    n
}

/// For each count of leading bytes to leave out of a 32-byte window, the lanes that count.
static WINDOW_LANES: [[u8; 32]; 33] = {
    let mut table = [[0u8; 32]; 33];
    let mut skip = 0;
    while skip <= 32 {
        let mut lane = skip;
        while lane < 32 {
            table[skip][lane] = 1;
            lane += 1;
        }
        skip += 1;
    }
    table
};

/// `\n`s in a 32-byte window, leaving out its first `skip` bytes: fixed-size, so the compiler
/// makes it a few vector instructions without a branch.
fn newlines_in(window: &[u8], skip: usize) -> usize {
    let (Ok(window), Some(lanes)) = (<&[u8; 32]>::try_from(window), WINDOW_LANES.get(skip)) else {
        return count_newlines(window.get(skip..).unwrap_or(&[]));
    };
    let n: u8 = window
        .iter()
        .zip(lanes)
        .map(|(&b, &lane)| u8::from(b == b'\n') & lane)
        .sum();
    usize::from(n)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link<'a> {
    pub start: usize,
    pub end: usize,
    /// Borrowed from the source in the common case: no copy per link.
    pub url: CowStr<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Heading {
        level: u8,
    },
    Paragraph,
    Item {
        /// Number of enclosing list items.
        depth: u32,
        ordered: bool,
        /// `Some(checked)` for task-list items.
        task: Option<bool>,
        /// Identifies the list this item belongs to.
        list: u32,
        /// Block index of the enclosing item.
        parent: Option<u32>,
        /// Some list item sits inside this one.
        has_children: bool,
    },
    TableRow {
        table: u32,
        header: bool,
        /// Range of this row's cells in the document's cell list (see `Doc::cells`).
        cells: Seg,
    },
}

/// A `start..end` range into one of a document's arenas. 32-bit: `parse` caps documents at
/// `MAX_DOCUMENT_BYTES`, and a block half the size keeps a large document's block list (tens of
/// thousands of blocks) small enough to stay in cache and out of the page-fault path.
pub(crate) type Seg = (u32, u32);

/// Where one block's (or cell's) text and spans sit in the document's arenas.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Spans {
    text: Seg,
    /// One plus the index of the block's `Marks` in `Store::marks`; 0 when it has none. Most
    /// blocks have no bold, struck, linked or `<br>` text: keeping those four ranges apart
    /// makes a block 28 bytes smaller, and every pass over the block list reads less memory.
    marks: u32,
}

/// Where one block's (or cell's) bold, struck, link and `<br>` spans sit in the arenas.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Marks {
    strong: Seg,
    struck: Seg,
    links: Seg,
    breaks: Seg,
}

/// An arena length or position as a `Seg` end (documents are capped well below 4 GiB).
fn pos(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A `Seg` as a slice range.
fn range((s, e): Seg) -> std::ops::Range<usize> {
    s as usize..e as usize
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub kind: Kind,
    spans: Spans,
    /// 1-based line where the block starts.
    line: u32,
    /// Block index of the list item this block sits in, if any.
    container: Option<u32>,
    /// Inside a block quote (chat logs, quoted mail): never mined for items.
    pub quoted: bool,
    /// Source byte range, for the few rules that look at raw Markdown.
    start: u32,
    end: u32,
}

impl Block {
    /// 1-based line where the block starts.
    pub(crate) fn line(&self) -> usize {
        self.line as usize
    }

    /// Block index of the list item this block sits in, if any.
    pub(crate) fn container(&self) -> Option<usize> {
        self.container.map(|c| c as usize)
    }

    /// Source byte range, for the few rules that look at raw Markdown.
    pub(crate) fn source_range(&self) -> std::ops::Range<usize> {
        range((self.start, self.end))
    }
}

/// The arenas that block and cell `Spans` point into.
#[derive(Debug, Default)]
struct Store<'a> {
    text: String,
    strong: Vec<(usize, usize)>,
    struck: Vec<(usize, usize)>,
    links: Vec<Link<'a>>,
    breaks: Vec<usize>,
    marks: Vec<Marks>,
}

impl Store<'_> {
    /// The text a block's (or cell's) spans point at, without its marks.
    fn text_of(&self, s: &Spans) -> &str {
        self.text.get(range(s.text)).unwrap_or("")
    }

    fn view(&self, s: &Spans) -> Inline<'_> {
        let text = self.text_of(s);
        let Some(m) = (s.marks as usize)
            .checked_sub(1)
            .and_then(|i| self.marks.get(i))
        else {
            return Inline {
                text,
                ..Inline::default()
            };
        };
        Inline {
            text,
            strong: self.strong.get(range(m.strong)).unwrap_or(&[]),
            struck: self.struck.get(range(m.struck)).unwrap_or(&[]),
            links: self.links.get(range(m.links)).unwrap_or(&[]),
            html_breaks: self.breaks.get(range(m.breaks)).unwrap_or(&[]),
        }
    }
}

impl Spans {
    fn text_len(&self) -> usize {
        self.text.1.saturating_sub(self.text.0) as usize
    }
}

/// The blocks of a document plus its front matter text, if any.
#[derive(Debug, Default)]
pub(crate) struct Doc<'a> {
    pub blocks: Vec<Block>,
    /// Indexes of the heading blocks, in order: the passes that read only headings skip the
    /// rest of a long block list.
    headings: Vec<u32>,
    /// How many list items and table rows the blocks hold.
    pub items_and_rows: usize,
    pub metadata: Option<String>,
    store: Store<'a>,
    cells: Vec<Spans>,
    /// The walk's stacks, emptied, for `recycle` to keep with the arenas.
    stacks: Stacks,
}

/// The walk's nesting stacks.
#[derive(Debug, Default)]
struct Stacks {
    frames: Vec<Frame>,
    /// Block indexes of the open list items, innermost last (kept apart from `frames` so depth and
    /// parent lookups are O(1) however deep quotes and lists interleave).
    items: Vec<usize>,
    /// Nesting of strong/strike spans; only the outermost ones are recorded.
    strong_open: Vec<usize>,
    struck_open: Vec<usize>,
}

impl Stacks {
    fn clear(&mut self) {
        self.frames.clear();
        self.items.clear();
        self.strong_open.clear();
        self.struck_open.clear();
    }

    /// The memory the stacks hold.
    fn bytes(&self) -> usize {
        bytes_of(&self.frames)
            + bytes_of(&self.items)
            + bytes_of(&self.strong_open)
            + bytes_of(&self.struck_open)
    }
}

/// The memory a list holds (its capacity, used or not).
fn bytes_of<T>(list: &Vec<T>) -> usize {
    list.capacity() * std::mem::size_of::<T>()
}

/// A document's lists, emptied, kept from one parse for the next on the same thread: the App
/// parses documents one after another, and each would otherwise allocate, grow and free the
/// same dozen lists, the largest allocations of a parse. Link targets borrow the text and are
/// not kept.
#[derive(Default)]
struct Spare {
    blocks: Vec<Block>,
    headings: Vec<u32>,
    cells: Vec<Spans>,
    text: String,
    strong: Vec<(usize, usize)>,
    struck: Vec<(usize, usize)>,
    breaks: Vec<usize>,
    marks: Vec<Marks>,
    stacks: Stacks,
}

impl Spare {
    fn clear(&mut self) {
        self.blocks.clear();
        self.headings.clear();
        self.cells.clear();
        self.text.clear();
        self.strong.clear();
        self.struck.clear();
        self.breaks.clear();
        self.marks.clear();
        self.stacks.clear();
    }

    /// The memory the lists hold.
    fn bytes(&self) -> usize {
        bytes_of(&self.blocks)
            + bytes_of(&self.headings)
            + bytes_of(&self.cells)
            + self.text.capacity()
            + bytes_of(&self.strong)
            + bytes_of(&self.struck)
            + bytes_of(&self.breaks)
            + bytes_of(&self.marks)
            + self.stacks.bytes()
    }
}

/// The most memory a thread keeps between parses: the lists of a larger document (the generated
/// 2 MiB bench page, or a short one of many empty lines, for which the block list is reserved by
/// the line) are freed as before.
const SPARE_BYTES: usize = 4 << 20;

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

impl Doc<'_> {
    /// Hands the document's lists, emptied, to the next `walk` on this thread.
    pub(crate) fn recycle(self) {
        let Doc {
            blocks,
            headings,
            cells,
            store,
            stacks,
            ..
        } = self;
        let Store {
            text,
            strong,
            struck,
            breaks,
            marks,
            ..
        } = store;
        let mut spare = Spare {
            blocks,
            headings,
            cells,
            text,
            strong,
            struck,
            breaks,
            marks,
            stacks,
        };
        if spare.bytes() > SPARE_BYTES {
            return;
        }
        spare.clear();
        // A thread being torn down has no next parse to keep them for.
        let _ = SPARE.try_with(|s| s.set(Some(spare)));
    }

    /// The block's text and inline spans.
    pub(crate) fn inline(&self, block: &Block) -> Inline<'_> {
        self.store.view(&block.spans)
    }

    /// How many heading blocks there are.
    pub(crate) fn heading_count(&self) -> usize {
        self.headings.len()
    }

    /// The heading blocks, in document order.
    pub(crate) fn headings(&self) -> impl Iterator<Item = &Block> {
        self.headings
            .iter()
            .filter_map(|&i| self.blocks.get(i as usize))
    }

    /// The block's text alone (cheaper than `inline` when the spans are not needed).
    pub(crate) fn text(&self, block: &Block) -> &str {
        self.store.text_of(&block.spans)
    }

    /// The text of every block and cell, back to back (and perhaps stale copies): a needle
    /// that does not occur here occurs in no block.
    pub(crate) fn all_text(&self) -> &str {
        &self.store.text
    }

    /// Where a block's own text sits in `all_text`.
    pub(crate) fn text_range(&self, block: &Block) -> std::ops::Range<usize> {
        range(block.spans.text)
    }

    /// A table row's cells, in column order; empty for other blocks.
    pub(crate) fn cells(&self, block: &Block) -> Vec<Inline<'_>> {
        let mut out = Vec::new();
        self.cells_into(block, &mut out);
        out
    }

    /// `cells` into a buffer the caller reuses from row to row.
    pub(crate) fn cells_into<'d>(&'d self, block: &Block, out: &mut Vec<Inline<'d>>) {
        out.clear();
        if let Kind::TableRow { cells, .. } = block.kind {
            let spans = self.cells.get(range(cells)).unwrap_or(&[]);
            out.extend(spans.iter().map(|c| self.store.view(c)));
        }
    }

    /// The same document owning its link targets, to outlive the text it was read from.
    pub(crate) fn into_owned(self) -> Doc<'static> {
        let Store {
            text,
            strong,
            struck,
            links,
            breaks,
            marks,
        } = self.store;
        Doc {
            blocks: self.blocks,
            headings: self.headings,
            items_and_rows: self.items_and_rows,
            metadata: self.metadata,
            store: Store {
                text,
                strong,
                struck,
                links: links
                    .into_iter()
                    .map(|l| Link {
                        start: l.start,
                        end: l.end,
                        url: l.url.into_static(),
                    })
                    .collect(),
                breaks,
                marks,
            },
            cells: self.cells,
            stacks: self.stacks,
        }
    }
}

/// Appends `item` to the segment `seg` of `list`. A segment grows only while it is the last one;
/// were anything appended after it, it is first moved to the end (never happens with the event
/// order pulldown-cmark produces, but keeps every segment contiguous whatever the order).
fn push_seg<T: Clone>(list: &mut Vec<T>, seg: &mut Seg, item: T) {
    let len = pos(list.len());
    if seg.0 == seg.1 {
        *seg = (len, len);
    } else if seg.1 != len {
        let (s, e) = (seg.0.min(len) as usize, seg.1.min(len) as usize);
        list.extend_from_within(s..e.max(s));
        *seg = (len, pos(list.len()));
    }
    list.push(item);
    seg.1 = pos(list.len());
}

/// `push_seg` for text: `push` appends to the arena.
fn push_str_seg(arena: &mut String, seg: &mut Seg, push: impl FnOnce(&mut String)) {
    let len = pos(arena.len());
    if seg.0 == seg.1 {
        *seg = (len, len);
    } else if seg.1 != len {
        let old = arena.get(range(*seg)).unwrap_or("").to_string();
        arena.push_str(&old);
        *seg = (len, pos(arena.len()));
    }
    push(arena);
    seg.1 = pos(arena.len());
}

/// The spans text goes to for `target` (borrowing only the lists, so the arenas stay free).
fn spans_of<'s>(
    target: Target,
    blocks: &'s mut [Block],
    cells: &'s mut [Spans],
) -> Option<&'s mut Spans> {
    match target {
        Target::None => None,
        Target::Block(b) => blocks.get_mut(b).map(|b| &mut b.spans),
        Target::Cell(c) => cells.get_mut(c),
    }
}

#[derive(Debug)]
enum Frame {
    List { ordered: bool, id: u32 },
    Item { block: usize, first_done: bool },
    Quote,
    Other,
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    None,
    Block(usize),
    /// Index into the cell list.
    Cell(usize),
}

struct Walker<'a> {
    source: &'a str,
    blocks: Vec<Block>,
    headings: Vec<u32>,
    items_and_rows: usize,
    cells: Vec<Spans>,
    store: Store<'a>,
    stacks: Stacks,
    target: Target,
    link_open: Vec<(usize, CowStr<'a>)>,
    /// Inside an image, code block, HTML block or metadata block: text is not block text.
    skip: usize,
    quote_depth: usize,
    lists: u32,
    tables: u32,
    in_head: bool,
    /// The last offset a line was asked for and its line: blocks start in source order, so
    /// lines are counted incrementally instead of from the top.
    line_mark: (usize, usize),
}

pub(crate) fn walk(text: &str, options: pulldown_cmark::Options) -> Doc<'_> {
    let Spare {
        mut blocks,
        mut headings,
        cells,
        text: mut arena,
        strong,
        struck,
        breaks,
        marks,
        mut stacks,
    } = SPARE
        .try_with(|s| s.take())
        .ok()
        .flatten()
        .unwrap_or_default();
    // Reserved up front so large documents' lists are rarely copied while they grow. Real
    // documents hold about one block per two lines (paragraphs wrap; 0.50 over the shared
    // corpus, 0.53 on the generated bench page, where reserving half a line's worth copied
    // the whole list once per parse), and block text is about three quarters of the
    // source. Reserving much more than is used made the heap peak cross glibc's trim
    // threshold: memory went back to the kernel after every parse and came back as page
    // faults (~170 per corpus parse) in the next.
    blocks.reserve(count_newlines(text.as_bytes()) * 9 / 16 + 1);
    arena.reserve(text.len());
    // The stacks and the heading list nearly every document uses, at sizes most never
    // outgrow: growing each from empty cost an allocation per doubling, some 1,500
    // instructions per corpus document.
    headings.reserve(16);
    stacks.frames.reserve(8);
    stacks.items.reserve(8);
    stacks.strong_open.reserve(4);
    let mut w = Walker {
        source: text,
        blocks,
        headings,
        items_and_rows: 0,
        store: Store {
            text: arena,
            strong,
            struck,
            links: Vec::new(),
            breaks,
            marks,
        },
        cells,
        stacks,
        target: Target::None,
        link_open: Vec::with_capacity(4),
        skip: 0,
        quote_depth: 0,
        lists: 0,
        tables: 0,
        in_head: false,
        line_mark: (0, 1),
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
            // These tags hold only units and `Copy` options, nothing to free: forgotten rather
            // than dropped, which spares most start events an out-of-line call to `Tag`'s drop
            // glue (1.2% of the page's instructions). End events, breaks and task markers
            // likewise: reading their `Copy` fields leaves the event to be dropped otherwise.
            Event::Start(
                tag @ (Tag::Paragraph
                | Tag::Item
                | Tag::List(_)
                | Tag::TableHead
                | Tag::TableRow
                | Tag::TableCell
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Emphasis
                | Tag::BlockQuote(_)),
            ) => {
                w.start(&tag, range.start);
                std::mem::forget(tag);
            }
            Event::Start(tag) => w.start(&tag, range.start),
            Event::End(end) => {
                w.end(end, range.end);
                std::mem::forget(event);
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                w.push_text(&t)
            }
            Event::InlineHtml(h) => {
                if h.as_bytes()
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"<br"))
                {
                    let at = w.current_len();
                    w.push_break(at);
                    w.push_newline();
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                w.push_newline();
                std::mem::forget(event);
            }
            Event::TaskListMarker(checked) => {
                if let Some(&block) = w.stacks.items.last()
                    && let Some(Kind::Item { task, .. }) =
                        w.blocks.get_mut(block).map(|b| &mut b.kind)
                {
                    *task = Some(checked);
                }
                std::mem::forget(event);
            }
            Event::FootnoteReference(_) | Event::Html(_) | Event::Rule => {}
        }
    }
    Doc {
        blocks: w.blocks,
        headings: w.headings,
        items_and_rows: w.items_and_rows,
        metadata,
        store: w.store,
        cells: w.cells,
        stacks: w.stacks,
    }
}

impl<'a> Walker<'a> {
    /// 1-based line of a source offset: one plus the line breaks before it.
    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.source.len());
        let (mark, line) = self.line_mark;
        let bytes = self.source.as_bytes();
        let line = if offset >= mark {
            line + newlines_between(bytes, mark, offset)
        } else {
            line - newlines_between(bytes, offset, mark)
        };
        self.line_mark = (offset, line);
        line
    }

    fn innermost_item_block(&self) -> Option<usize> {
        self.stacks.items.last().copied()
    }

    fn new_block(&mut self, kind: Kind, start: usize) -> usize {
        let line = pos(self.line_of(start));
        let container = self.innermost_item_block().map(pos);
        self.blocks.push(Block {
            kind,
            spans: Spans::default(),
            line,
            container,
            quoted: self.quote_depth > 0,
            start: pos(start),
            end: pos(start),
        });
        self.blocks.len() - 1
    }

    /// The block's text so far (its marks are not needed here: no `Inline` is built).
    fn block_text(&self, block: usize) -> &str {
        self.blocks
            .get(block)
            .map_or("", |b| self.store.text_of(&b.spans))
    }

    fn start(&mut self, tag: &Tag<'a>, start: usize) {
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
                let item_first = match self.stacks.frames.last() {
                    Some(Frame::Item { block, first_done }) if !*first_done => Some(*block),
                    _ => None,
                };
                self.target = match item_first {
                    Some(block) if self.block_text(block).trim_ws().is_empty() => {
                        Target::Block(block)
                    }
                    _ => {
                        self.mark_item_first_done();
                        Target::Block(self.new_block(Kind::Paragraph, start))
                    }
                };
            }
            Tag::Heading { level, .. } => {
                let id = self.new_block(
                    Kind::Heading {
                        level: *level as u8,
                    },
                    start,
                );
                self.headings.push(pos(id));
                self.target = Target::Block(id);
            }
            Tag::List(start) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.lists = self.lists.saturating_add(1);
                self.stacks.frames.push(Frame::List {
                    ordered: start.is_some(),
                    id: self.lists,
                });
            }
            Tag::Item => {
                let (ordered, list) = match self.stacks.frames.last() {
                    Some(Frame::List { ordered, id }) => (*ordered, *id),
                    _ => (false, 0),
                };
                let parent = self.innermost_item_block().map(pos);
                if let Some(Kind::Item { has_children, .. }) = parent
                    .and_then(|p| self.blocks.get_mut(p as usize))
                    .map(|b| &mut b.kind)
                {
                    *has_children = true;
                }
                self.items_and_rows += 1;
                let depth = pos(self.stacks.items.len());
                let block = self.new_block(
                    Kind::Item {
                        depth,
                        ordered,
                        task: None,
                        list,
                        parent,
                        has_children: false,
                    },
                    start,
                );
                self.stacks.frames.push(Frame::Item {
                    block,
                    first_done: false,
                });
                self.stacks.items.push(block);
                self.target = Target::None;
            }
            Tag::BlockQuote(_) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.quote_depth += 1;
                self.stacks.frames.push(Frame::Quote);
            }
            Tag::Table(_) => {
                self.mark_item_first_done();
                self.target = Target::None;
                self.tables = self.tables.saturating_add(1);
                self.stacks.frames.push(Frame::Other);
            }
            Tag::TableHead => {
                self.in_head = true;
                self.start_row(start);
            }
            Tag::TableRow => self.start_row(start),
            Tag::TableCell => self.start_cell(),
            Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Image { .. } | Tag::MetadataBlock(_) => {
                if !matches!(tag, Tag::Image { .. }) {
                    self.mark_item_first_done();
                }
                self.skip += 1;
            }
            Tag::Strong => {
                let pos = self.current_len();
                self.stacks.strong_open.push(pos);
            }
            Tag::Strikethrough => {
                let pos = self.current_len();
                self.stacks.struck_open.push(pos);
            }
            Tag::Link { dest_url, .. } => {
                let pos = self.current_len();
                self.link_open.push((pos, dest_url.clone()));
            }
            _ => {}
        }
    }

    fn start_row(&mut self, start: usize) {
        self.items_and_rows += 1;
        let header = self.in_head;
        let table = self.tables;
        self.new_block(
            Kind::TableRow {
                table,
                header,
                cells: (0, 0),
            },
            start,
        );
    }

    fn start_cell(&mut self) {
        if let Some(Block {
            kind: Kind::TableRow { cells, .. },
            ..
        }) = self.blocks.last_mut()
        {
            push_seg(&mut self.cells, cells, Spans::default());
            self.target = Target::Cell((cells.1 as usize).saturating_sub(1));
        }
    }

    fn mark_item_first_done(&mut self) {
        if let Some(Frame::Item { first_done, .. }) = self.stacks.frames.last_mut() {
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
                if let Target::Block(b) = self.target
                    && let Some(block) = self.blocks.get_mut(b)
                {
                    block.end = pos(offset);
                }
                self.mark_item_first_done();
                self.target = Target::None;
            }
            TagEnd::List(_) => {
                if matches!(self.stacks.frames.last(), Some(Frame::List { .. })) {
                    self.stacks.frames.pop();
                }
            }
            TagEnd::Item => {
                if let Some(Frame::Item { block, .. }) = self.stacks.frames.last() {
                    if let Some(b) = self.blocks.get_mut(*block) {
                        b.end = pos(offset);
                    }
                    self.stacks.frames.pop();
                    self.stacks.items.pop();
                }
                self.target = Target::None;
            }
            TagEnd::BlockQuote(_) => {
                if matches!(self.stacks.frames.last(), Some(Frame::Quote)) {
                    self.stacks.frames.pop();
                }
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::Table => {
                if matches!(self.stacks.frames.last(), Some(Frame::Other)) {
                    self.stacks.frames.pop();
                }
            }
            TagEnd::TableHead => {
                self.in_head = false;
                self.end_row(offset);
            }
            TagEnd::TableRow => self.end_row(offset),
            TagEnd::TableCell => self.target = Target::None,
            TagEnd::Strong => {
                if let Some(start) = self.stacks.strong_open.pop()
                    && self.stacks.strong_open.is_empty()
                {
                    let end = self.current_len();
                    let span = (start.min(end), end);
                    self.record(|store, marks| {
                        push_seg(&mut store.strong, &mut marks.strong, span)
                    });
                }
            }
            TagEnd::Strikethrough => {
                if let Some(start) = self.stacks.struck_open.pop()
                    && self.stacks.struck_open.is_empty()
                {
                    let end = self.current_len();
                    let span = (start.min(end), end);
                    self.record(|store, marks| {
                        push_seg(&mut store.struck, &mut marks.struck, span)
                    });
                }
            }
            TagEnd::Link => {
                if let Some((start, url)) = self.link_open.pop() {
                    let end = self.current_len();
                    let link = Link {
                        start: start.min(end),
                        end,
                        url,
                    };
                    self.record(|store, marks| push_seg(&mut store.links, &mut marks.links, link));
                }
            }
            _ => {}
        }
    }

    fn end_row(&mut self, offset: usize) {
        if let Some(last) = self.blocks.last_mut()
            && matches!(last.kind, Kind::TableRow { .. })
        {
            last.end = pos(offset);
        }
        self.target = Target::None;
    }

    /// Where inline text goes right now; text directly inside a tight list item belongs to it.
    fn resolve_target(&mut self) -> Target {
        if self.target == Target::None
            && let Some(Frame::Item { block, first_done }) = self.stacks.frames.last()
            && !*first_done
        {
            self.target = Target::Block(*block);
        }
        self.target
    }

    /// The current target's spans, if text goes anywhere right now.
    fn target_spans(&mut self) -> Option<&mut Spans> {
        let target = self.resolve_target();
        spans_of(target, &mut self.blocks, &mut self.cells)
    }

    /// Records into the current target's marks (made on first use), if text goes anywhere.
    fn record(&mut self, f: impl FnOnce(&mut Store<'a>, &mut Marks)) {
        let Some(index) = self.target_spans().map(|spans| spans.marks) else {
            return;
        };
        let index = match (index as usize).checked_sub(1) {
            Some(i) => i,
            None => {
                self.store.marks.push(Marks::default());
                let made = pos(self.store.marks.len());
                if let Some(spans) = self.target_spans() {
                    spans.marks = made;
                }
                made as usize - 1
            }
        };
        // Marks are small and `Copy`: taken out so `f` can grow the arenas beside them.
        let Some(mut marks) = self.store.marks.get(index).copied() else {
            return;
        };
        f(&mut self.store, &mut marks);
        if let Some(slot) = self.store.marks.get_mut(index) {
            *slot = marks;
        }
    }

    fn current_len(&mut self) -> usize {
        match self.resolve_target() {
            Target::None => 0,
            Target::Block(b) => self.blocks.get(b).map_or(0, |b| b.spans.text_len()),
            Target::Cell(c) => self.cells.get(c).map_or(0, Spans::text_len),
        }
    }

    fn push_break(&mut self, at: usize) {
        self.record(|store, marks| push_seg(&mut store.breaks, &mut marks.breaks, at));
    }

    fn push_text(&mut self, t: &str) {
        self.push_with(|arena| arena.push_str(t));
    }

    /// A line break in block text: one byte pushed in place (through `push_text`, every
    /// wrapped line cost a call to `memcpy` for it).
    fn push_newline(&mut self) {
        self.push_with(|arena| arena.push('\n'));
    }

    /// Appends to the current target's text, if text goes anywhere right now.
    fn push_with(&mut self, push: impl FnOnce(&mut String)) {
        // Quoted text (chat logs, mail) is never mined: do not copy it.
        if self.skip > 0 || self.quote_depth > 0 {
            return;
        }
        let target = self.resolve_target();
        if let Some(spans) = spans_of(target, &mut self.blocks, &mut self.cells) {
            push_str_seg(&mut self.store.text, &mut spans.text, push);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memory this thread keeps for the next walk, if it keeps any.
    fn spare_bytes() -> Option<usize> {
        let spare = SPARE.with(|s| s.take());
        let bytes = spare.as_ref().map(Spare::bytes);
        SPARE.with(|s| s.set(spare));
        bytes
    }

    #[test]
    fn a_thread_keeps_a_small_documents_lists_and_frees_a_large_ones() {
        let options = crate::postmortem::markdown_options();
        walk(
            "# Title\n\n- one **bold** item\n- [two](https://example.com)\n",
            options,
        )
        .recycle();
        let kept = spare_bytes().expect("a small document's lists are kept");
        assert!(kept > 0 && kept <= SPARE_BYTES, "{kept}");
        // The block list is reserved by the line: 300,000 empty lines reserve more than
        // SPARE_BYTES of it although the text is small.
        let blank = "\n".repeat(300_000);
        let doc = walk(&blank, options);
        assert!(doc.blocks.capacity() * std::mem::size_of::<Block>() > SPARE_BYTES);
        doc.recycle();
        assert_eq!(spare_bytes(), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn newlines_between_counts_like_a_plain_count(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'\n', b'a', b' ', 0xc3]),
                0..200,
            ),
            from in 0usize..220,
            to in 0usize..220,
        ) {
            let expected = bytes.get(from..to).map_or(0, count_newlines);
            proptest::prop_assert_eq!(newlines_between(&bytes, from, to), expected);
        }
    }
}
