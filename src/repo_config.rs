//! Pure: `.github/postmortem.yml` → `RepoSettings`, every key defaulted; mistakes name key and line.

use std::fmt;
use std::sync::LazyLock;

use chrono_tz::Tz;
use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::policy::ScheduleSettings;
use crate::policy::settings::{
    BudgetSettings, DigestSettings, DueSettings, QuietSettings, StaleSettings,
};

/// Where a repository keeps its settings (on the default branch).
pub const SETTINGS_PATH: &str = ".github/postmortem.yml";

/// The titles of wiki pages read as post-mortems when the file names no pattern.
pub const DEFAULT_WIKI_TITLES: &str = "post-?mortem|incident|retrospective";

/// Bounds on what a settings file may ask for, so a hostile file stays cheap to honour.
const MAX_PATHS: usize = 50;
const MAX_LABELS: usize = 20;
const MAX_DAYS: u32 = 3_650;
const MAX_NAGS: u32 = 20;
const MAX_NAG_BUDGET: u32 = 10_000;

/// How a repository tunes the App. `RepoSettings::default()` is what a repository without a file gets.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepoSettings {
    /// Globs of post-mortem files (`**` spans directories, `*` and `?` stay inside one).
    pub paths: Vec<String>,
    pub wiki: WikiSettings,
    /// Labels put on the follow-up issues the App opens.
    pub labels: Vec<String>,
    /// Assign a follow-up's issue to the owner the document names (when assignable).
    pub assign_owners: bool,
    pub tracking: Tracking,
    pub on_removed: OnRemoved,
    pub on_done_in_doc: OnDoneInDoc,
    /// When a follow-up is stale and how often it is nagged.
    pub stale: StaleSettings,
    /// Reminders before a due date, and default due windows by priority.
    pub due: DueSettings,
    /// Weekends and business hours without nags.
    pub quiet: QuietSettings,
    /// The weekly digest: on or off, day, hour, timezone.
    pub digest: DigestSettings,
    /// Nags one sweep may send per installation.
    pub budget: BudgetSettings,
    /// Labels that keep an issue out of every nag.
    pub exempt_labels: Vec<String>,
    /// The repository's timezone: quiet hours and the digest use it unless they name their own.
    pub timezone: Option<Tz>,
}

impl Default for RepoSettings {
    fn default() -> Self {
        let schedule = ScheduleSettings::default();
        Self {
            paths: [
                "postmortems/**/*.md",
                "post-mortems/**/*.md",
                "docs/postmortems/**/*.md",
                "incidents/**/*.md",
            ]
            .map(String::from)
            .to_vec(),
            wiki: WikiSettings::default(),
            labels: vec!["postmortem".to_string(), "follow-up".to_string()],
            assign_owners: true,
            tracking: Tracking::Checklist,
            on_removed: OnRemoved::Comment,
            on_done_in_doc: OnDoneInDoc::Close,
            stale: schedule.stale,
            due: schedule.due,
            quiet: schedule.quiet,
            digest: schedule.digest,
            budget: schedule.budget,
            exempt_labels: schedule.exempt_labels,
            timezone: None,
        }
    }
}

/// `wiki: false`, `wiki: true`, or `wiki: { enabled: ..., titles: REGEX }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WikiSettings {
    pub enabled: bool,
    /// A case-insensitive regular expression matched against page titles.
    pub titles: String,
}

impl Default for WikiSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            titles: DEFAULT_WIKI_TITLES.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WikiTable {
    enabled: bool,
    titles: String,
}

impl Default for WikiTable {
    fn default() -> Self {
        let d = WikiSettings::default();
        Self {
            enabled: d.enabled,
            titles: d.titles,
        }
    }
}

impl<'de> Deserialize<'de> for WikiSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WikiVisitor;
        impl<'de> Visitor<'de> for WikiVisitor {
            type Value = WikiSettings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false, or a mapping with `enabled` and `titles`")
            }
            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<WikiSettings, E> {
                Ok(WikiSettings {
                    enabled,
                    ..WikiSettings::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WikiSettings, A::Error> {
                let table = WikiTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(WikiSettings {
                    enabled: table.enabled,
                    titles: table.titles,
                })
            }
        }
        deserializer.deserialize_any(WikiVisitor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    /// A task list in the tracking issue's bot-owned section.
    Checklist,
    /// The task list, and each follow-up linked as a GitHub sub-issue of the tracking issue.
    SubIssues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnRemoved {
    Comment,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDoneInDoc {
    Close,
    Comment,
}

/// One mistake in a settings file, where its author will look for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: `{key}`: {message}")]
pub struct ConfigError {
    /// The key as a dotted path (`wiki.titles`), or `(file)` for a file that is not YAML at all.
    pub key: String,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl RepoSettings {
    /// Whether `path` (relative to the repository root) is a post-mortem file.
    pub fn matches_path(&self, path: &str) -> bool {
        self.paths.iter().any(|glob| glob_match(glob, path))
    }

    /// Whether a wiki page with this title (or page name) is read as a post-mortem.
    pub fn matches_wiki_page(&self, title: &str) -> bool {
        self.wiki.enabled && wiki_regex(&self.wiki.titles).is_some_and(|re| re.is_match(title))
    }

    /// What the nag and digest policies read, with the repository's timezone filled in.
    pub fn schedule(&self) -> ScheduleSettings {
        ScheduleSettings {
            stale: self.stale.clone(),
            due: self.due.clone(),
            quiet: self.quiet.clone(),
            digest: self.digest.clone(),
            budget: self.budget.clone(),
            exempt_labels: self.exempt_labels.clone(),
        }
        .with_repository_timezone(self.timezone)
    }
}

fn wiki_regex(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 16)
        .build()
        .ok()
}

/// Reads a settings file. Every mistake is reported, each with the key and line it concerns.
pub fn parse(text: &str) -> Result<RepoSettings, Vec<ConfigError>> {
    if text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    }) {
        return Ok(RepoSettings::default());
    }
    let settings = match serde_yaml_ng::from_str::<RepoSettings>(text) {
        Ok(settings) => settings,
        Err(whole) => {
            let mut errors = errors_per_key(text);
            if errors.is_empty() {
                errors.push(from_yaml_error(&whole, 0));
            }
            return Err(errors);
        }
    };
    let errors = validate(&settings, text);
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// The top-level keys of a block mapping, with the 0-based line each starts on.
fn top_level_keys(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let first = line.chars().next()?;
            if first.is_whitespace() || matches!(first, '#' | '-' | '{' | '[' | '.') {
                return None;
            }
            let (key, _) = line.split_once(':')?;
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            (!key.is_empty()).then(|| (n, key.to_string()))
        })
        .collect()
}

/// Reads each top-level key on its own, so one mistake does not hide the next.
fn errors_per_key(text: &str) -> Vec<ConfigError> {
    let lines: Vec<&str> = text.lines().collect();
    let keys = top_level_keys(text);
    let mut errors = Vec::new();
    for (i, (start, _)) in keys.iter().enumerate() {
        let end = keys.get(i + 1).map_or(lines.len(), |(next, _)| *next);
        let snippet = lines[*start..end].join("\n");
        if let Err(error) = serde_yaml_ng::from_str::<RepoSettings>(&snippet) {
            errors.push(from_yaml_error(&error, *start));
        }
    }
    errors
}

static PATH_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_.\[\]-]+): ").expect("static regex"));
static UNKNOWN_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^unknown field `([^`]*)`").expect("static regex"));
static AT_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" at line \d+ column \d+$").expect("static regex"));

fn from_yaml_error(error: &serde_yaml_ng::Error, line_offset: usize) -> ConfigError {
    let line = error.location().map_or(1, |l| l.line()) + line_offset;
    let text = AT_LINE.replace(&error.to_string(), "").into_owned();
    let (path, message) = match PATH_PREFIX.captures(&text) {
        Some(caps) => (
            caps[1].to_string(),
            text[caps.get(0).map_or(0, |m| m.end())..].to_string(),
        ),
        None => (String::new(), text.clone()),
    };
    let key = match UNKNOWN_FIELD.captures(&message) {
        Some(caps) if path.is_empty() => caps[1].to_string(),
        Some(caps) => format!("{path}.{}", &caps[1]),
        None if path.is_empty() => "(file)".to_string(),
        None => path,
    };
    let message = match (
        UNKNOWN_FIELD.is_match(&message),
        message.split_once(", expected "),
    ) {
        (true, Some((_, expected))) => format!("unknown key; expected {expected}"),
        (true, None) => "unknown key".to_string(),
        (false, _) => message,
    };
    ConfigError { key, line, message }
}

/// The 1-based line of a dotted key (`stale.days`): each part is looked for from where its parent
/// was found, in block (`days: 0`) or flow (`stale: {days: 0}`) style; else 1.
fn line_of(text: &str, dotted_key: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    for part in dotted_key.split('.') {
        let Some(found) = lines[from..]
            .iter()
            .position(|line| mentions_key(line, part))
        else {
            break;
        };
        from += found;
    }
    from + 1
}

/// Whether `line` holds `key:` as a mapping key rather than inside another word.
fn mentions_key(line: &str, key: &str) -> bool {
    line.match_indices(key).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + key.len()..].trim_start();
        before.is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '"' | '\''))
            && after
                .trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with(':')
    })
}

/// What the types alone cannot say: globs and patterns that cannot work.
fn validate(settings: &RepoSettings, text: &str) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let mut error = |key: &str, message: String| {
        errors.push(ConfigError {
            key: key.to_string(),
            line: line_of(text, key),
            message,
        });
    };
    if settings.paths.len() > MAX_PATHS {
        error("paths", format!("at most {MAX_PATHS} globs"));
    }
    for glob in &settings.paths {
        if let Err(problem) = check_glob(glob) {
            error("paths", format!("`{glob}`: {problem}"));
        }
    }
    if settings.wiki.titles.trim().is_empty() {
        error("wiki.titles", "must not be empty".to_string());
    } else if let Err(e) = regex::RegexBuilder::new(&settings.wiki.titles)
        .size_limit(1 << 16)
        .build()
    {
        let first = e.to_string().lines().last().unwrap_or_default().to_string();
        error(
            "wiki.titles",
            format!("not a regular expression ({})", first.trim()),
        );
    }
    check_labels("labels", &settings.labels, &mut error);
    check_labels("exempt_labels", &settings.exempt_labels, &mut error);
    check_labels(
        "stale.label",
        std::slice::from_ref(&settings.stale.label),
        &mut error,
    );
    check_schedule(settings, &mut error);
    errors
}

fn check_labels(key: &str, labels: &[String], error: &mut impl FnMut(&str, String)) {
    if labels.len() > MAX_LABELS {
        error(key, format!("at most {MAX_LABELS} labels"));
    }
    for label in labels {
        if label.trim().is_empty() || label.chars().count() > 50 || label.contains(',') {
            error(
                key,
                format!("`{label}` is not a label name (1-50 characters, no commas)"),
            );
        }
    }
}

/// Numbers the nag and digest policies cannot honour (a zero-day renag would nag every sweep).
fn check_schedule(settings: &RepoSettings, error: &mut impl FnMut(&str, String)) {
    let mut within = |key: &str, value: u32, range: std::ops::RangeInclusive<u32>| {
        if !range.contains(&value) {
            error(
                key,
                format!(
                    "{value} is out of range; use {} to {}",
                    range.start(),
                    range.end()
                ),
            );
        }
    };
    within("stale.days", settings.stale.days, 1..=MAX_DAYS);
    within("stale.renag_days", settings.stale.renag_days, 1..=MAX_DAYS);
    within("stale.max_nags", settings.stale.max_nags, 0..=MAX_NAGS);
    within("due.remind_days", settings.due.remind_days, 0..=MAX_DAYS);
    for days in settings.due.default_days.values() {
        within("due.default_days", *days, 1..=MAX_DAYS);
    }
    within("digest.hour", settings.digest.hour, 0..=23);
    within(
        "budget.nags_per_run",
        settings.budget.nags_per_run,
        1..=MAX_NAG_BUDGET,
    );
    if let Some((start, end)) = settings.quiet.business_hours
        && !(start < end && end <= 24)
    {
        error(
            "quiet.business_hours",
            format!(
                "[{start}, {end}] is not a span of hours; use [start, end] with 0 <= start < end <= 24"
            ),
        );
    }
}

fn check_glob(glob: &str) -> Result<(), &'static str> {
    if glob.trim().is_empty() {
        return Err("an empty glob matches nothing");
    }
    if glob.starts_with('/') {
        return Err("globs are relative to the repository root; drop the leading `/`");
    }
    if glob.contains(['[', ']', '{', '}', '\\']) {
        return Err("only `*`, `**` and `?` are supported");
    }
    if glob
        .split('/')
        .any(|part| part.contains("**") && part != "**")
    {
        return Err("`**` must be a whole path segment, as in `docs/**/*.md`");
    }
    Ok(())
}

/// Matches a repository path against a glob: `**` spans any number of directories, `*` any
/// characters inside one segment, `?` one character.
pub fn glob_match(glob: &str, path: &str) -> bool {
    let globs: Vec<&str> = glob.split('/').filter(|s| !s.is_empty()).collect();
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match_segments(&globs, &parts)
}

fn match_segments(globs: &[&str], parts: &[&str]) -> bool {
    match globs.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => (0..=parts.len()).any(|skip| match_segments(rest, &parts[skip..])),
        Some((glob, rest)) => match parts.split_first() {
            Some((part, tail)) => match_segment(glob, part) && match_segments(rest, tail),
            None => false,
        },
    }
}

fn match_segment(glob: &str, text: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer wildcard match with one backtrack point: linear in practice.
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == t[ti]) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_and_empty_files_give_the_defaults() {
        let defaults = RepoSettings::default();
        assert_eq!(parse("").unwrap(), defaults);
        assert_eq!(parse("# nothing yet\n---\n").unwrap(), defaults);
        assert!(defaults.assign_owners);
        assert_eq!(defaults.on_removed, OnRemoved::Comment);
        assert_eq!(defaults.on_done_in_doc, OnDoneInDoc::Close);
        assert_eq!(defaults.tracking, Tracking::Checklist);
        assert!(defaults.matches_path("postmortems/2024/db.md"));
        assert!(defaults.matches_path("docs/postmortems/a.md"));
        assert!(!defaults.matches_path("docs/design.md"));
        assert!(defaults.matches_wiki_page("Incident 2024-05-01"));
        assert!(defaults.matches_wiki_page("Checkout Post-mortem"));
        assert!(!defaults.matches_wiki_page("Home"));
    }

    #[test]
    fn every_key_reads() {
        let text = "\
paths:
  - ops/**/*.md
wiki:
  titles: outage
labels: [incident-follow-up]
assign_owners: false
tracking: sub_issues
on_removed: close
on_done_in_doc: comment
stale:
  days: 10
digest: { day: friday }
";
        let s = parse(text).unwrap();
        assert_eq!(s.paths, ["ops/**/*.md"]);
        assert!(s.wiki.enabled);
        assert!(s.matches_wiki_page("Big OUTAGE"));
        assert!(!s.matches_wiki_page("Incident"));
        assert_eq!(s.labels, ["incident-follow-up"]);
        assert!(!s.assign_owners);
        assert_eq!(s.tracking, Tracking::SubIssues);
        assert_eq!(s.on_removed, OnRemoved::Close);
        assert_eq!(s.on_done_in_doc, OnDoneInDoc::Comment);
        assert_eq!(s.stale.days, 10);
        assert_eq!(s.digest.day, chrono::Weekday::Fri);
        let off = parse("wiki: false\n").unwrap();
        assert!(!off.wiki.enabled);
        assert!(!off.matches_wiki_page("Incident"));
    }

    #[test]
    fn mistakes_name_the_key_and_line() {
        let text = "\
# settings
paths:
  - postmortems/*.md
on_removed: delete
labels: [a]
colour: red
wiki:
  enabled: true
  title: x
assign_owners: sometimes
";
        let errors = parse(text).unwrap_err();
        let found: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            found,
            [
                ("on_removed", 4),
                ("colour", 6),
                ("wiki.title", 9),
                ("assign_owners", 10)
            ],
            "{errors:#?}"
        );
        assert!(
            errors[0].message.contains("delete"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[1].message.starts_with("unknown key"),
            "{}",
            errors[1]
        );
        assert_eq!(
            errors[1].to_string().lines().next().unwrap_or_default(),
            errors[1].to_string()
        );
    }

    #[test]
    fn wrong_types_and_bad_patterns_are_errors() {
        let errors = parse("paths: postmortems/*.md\n").unwrap_err();
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("paths", 1));
        let errors = parse("labels: [ok]\npaths:\n  - /abs/*.md\n  - 'a/**b/*.md'\n").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.key == "paths" && e.line == 2));
        let errors = parse("wiki:\n  titles: '(unclosed'\n").unwrap_err();
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("wiki.titles", 2));
        let errors = parse("wiki: maybe\n").unwrap_err();
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("wiki", 1));
        let errors = parse("paths: [unclosed\n").unwrap_err();
        assert_eq!(errors[0].key, "(file)");
        let errors = parse("- a list\n- not a mapping\n").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn the_nag_and_digest_keys_reach_the_policy() {
        let text = "\
timezone: Europe/Berlin
stale:
  days: 5
  renag_days: 2
  max_nags: 1
  label: needs-love
due:
  remind_days: 3
  default_days: { P1: 28, P2: 56 }
quiet: { weekends: true, business_hours: [9, 17] }
digest:
  day: friday
  hour: 16
  timezone: America/Chicago
budget: { nags_per_run: 10 }
exempt_labels: [parked]
";
        let schedule = parse(text).unwrap().schedule();
        assert_eq!(
            (
                schedule.stale.days,
                schedule.stale.renag_days,
                schedule.stale.max_nags
            ),
            (5, 2, 1)
        );
        assert_eq!(schedule.stale.label, "needs-love");
        assert_eq!(schedule.due.remind_days, 3);
        assert_eq!(schedule.due.default_days.get("P2"), Some(&56));
        assert!(schedule.quiet.weekends);
        assert_eq!(schedule.quiet.business_hours, Some((9, 17)));
        assert_eq!(schedule.quiet.tz(), chrono_tz::Europe::Berlin);
        assert_eq!(schedule.digest.tz(), chrono_tz::America::Chicago);
        assert_eq!(
            (schedule.digest.day, schedule.digest.hour),
            (chrono::Weekday::Fri, 16)
        );
        assert_eq!(schedule.budget.nags_per_run, 10);
        assert_eq!(schedule.exempt_labels, ["parked"]);
        assert_eq!(
            RepoSettings::default().schedule(),
            ScheduleSettings::default(),
            "no file: the policy's defaults"
        );
    }

    #[test]
    fn nag_and_digest_numbers_out_of_range_name_key_and_line() {
        let text = "\
stale:
  days: 0
digest: { hour: 24 }
quiet:
  business_hours: [18, 9]
due:
  default_days:
    P1: 0
";
        let errors = parse(text).unwrap_err();
        let found: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            found,
            [
                ("stale.days", 2),
                ("due.default_days", 7),
                ("digest.hour", 3),
                ("quiet.business_hours", 5)
            ],
            "{errors:#?}"
        );
        let errors = parse("timezone: Mars/Olympus\n").unwrap_err();
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("timezone", 1));
        let errors = parse("digest:\n  day: someday\n").unwrap_err();
        assert_eq!(errors[0].key, "digest.day", "{errors:?}");
        let errors = parse("exempt_labels: ['a,b']\n").unwrap_err();
        assert_eq!(errors[0].key, "exempt_labels");
    }

    #[test]
    fn globs_match_like_gitignore_without_brackets() {
        let cases = [
            ("postmortems/**/*.md", "postmortems/a.md", true),
            ("postmortems/**/*.md", "postmortems/2024/05/a.md", true),
            ("postmortems/**/*.md", "postmortems/a.txt", false),
            ("postmortems/**/*.md", "other/postmortems/a.md", false),
            ("postmortems/*.md", "postmortems/x/a.md", false),
            ("**/*.md", "a.md", true),
            ("**/*.md", "a/b/c.md", true),
            ("incident-??.md", "incident-42.md", true),
            ("incident-??.md", "incident-4.md", false),
            ("*-pm.md", "db-outage-pm.md", true),
            ("docs/*", "docs", false),
        ];
        for (glob, path, expected) in cases {
            assert_eq!(glob_match(glob, path), expected, "{glob} vs {path}");
        }
    }
}
