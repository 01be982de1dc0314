//! Shared glue for post-mortems kept as files and wiki pages: repository settings (cached, the last
//! valid ones kept), tracking issues, scanning a repository, and running the pipeline for a document.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::Handlers;
use super::apply::{Retitle, SourceDocument, TrackingIssueGone, sync_source};
use super::wiki_git::WikiError;
use crate::github::{InstallationClient, NewIssue};
use crate::ids::{InstallationId, IssueNumber, RepoName, Source};
use crate::postmortem::{self, FollowUp, PostMortem};
use crate::render::{self, Summary};
use crate::render_sources::{self, Place};
use crate::repo_config::{self, ConfigError, RepoSettings, SETTINGS_PATH};
use crate::store::NewPostMortem;

/// Bounds on a repository scan, so a huge repository costs bounded work.
const MAX_SCAN_DIRECTORIES: usize = 200;
const MAX_SCAN_FILES: usize = 200;
/// Larger documents are not read at all: cutting one short would look like removed items.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// The text of a post-mortem file, or `None` (logged) when it is too large to read.
pub fn document_text(path: &str, bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        warn!(path, bytes = bytes.len(), "post-mortem too large; not read");
        return None;
    }
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Parsed settings per repository, so an unchanged file is parsed once per process. The store
/// holds the text (the last valid one), so every replica sees the same settings.
#[derive(Debug, Default)]
pub struct SettingsCache(Mutex<HashMap<RepoName, (String, Arc<RepoSettings>)>>);

impl SettingsCache {
    fn parsed(&self, repo: &RepoName, text: &str) -> Arc<RepoSettings> {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_text, settings)) = cache.get(repo)
            && cached_text == text
        {
            return settings.clone();
        }
        // Stored text was valid when stored; a parse failure now (a newer App refusing an old
        // key) falls back to the defaults rather than stopping the repository.
        let settings = Arc::new(repo_config::parse(text).unwrap_or_default());
        cache.insert(repo.clone(), (text.to_string(), settings.clone()));
        settings
    }
}

/// The repository's settings: the last valid file, read from the default branch the first time.
pub async fn repo_settings(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
) -> anyhow::Result<Arc<RepoSettings>> {
    if let Some(stored) = handlers.store.get_repo_settings(repo).await? {
        return Ok(handlers.repo_settings.parsed(repo, &stored.text));
    }
    let bytes = client
        .get_file_on_default_branch(repo, SETTINGS_PATH)
        .await
        .with_context(|| format!("reading {SETTINGS_PATH}"))?;
    let text = bytes
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match repo_config::parse(&text) {
        Ok(_) => {
            store_settings(handlers, client.installation_id(), repo, &text, None).await?;
            Ok(handlers.repo_settings.parsed(repo, &text))
        }
        Err(errors) => {
            // Nothing valid was ever seen: the defaults, until a push fixes the file (and that
            // push's commit comment names the problem).
            warn!(%repo, errors = errors.len(), "the settings file is broken; using the defaults");
            Ok(Arc::new(RepoSettings::default()))
        }
    }
}

async fn store_settings(
    handlers: &Handlers,
    installation: InstallationId,
    repo: &RepoName,
    text: &str,
    commit: Option<&str>,
) -> anyhow::Result<()> {
    handlers
        .store
        .put_repo_settings(&crate::store::StoredRepoSettings {
            installation_id: installation,
            repo: repo.clone(),
            text: text.to_string(),
            commit: commit.map(str::to_string),
            updated_at: Utc::now(),
        })
        .await?;
    Ok(())
}

/// What a push that touched the settings file did to them.
pub enum SettingsUpdate {
    Valid(Arc<RepoSettings>),
    /// The file is broken: `kept` (the previous valid settings, or the defaults) stay in force.
    Broken {
        errors: Vec<ConfigError>,
        kept: Arc<RepoSettings>,
    },
}

/// Re-reads the settings file at `commit` (a push touched it).
pub async fn refresh_settings(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    commit: &str,
) -> anyhow::Result<SettingsUpdate> {
    let text = client
        .get_file(repo, SETTINGS_PATH, commit)
        .await
        .with_context(|| format!("reading {SETTINGS_PATH} at {commit}"))?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match repo_config::parse(&text) {
        Ok(_) => {
            store_settings(
                handlers,
                client.installation_id(),
                repo,
                &text,
                Some(commit),
            )
            .await?;
            info!(%repo, %commit, "repository settings updated");
            Ok(SettingsUpdate::Valid(
                handlers.repo_settings.parsed(repo, &text),
            ))
        }
        Err(errors) => {
            let kept = match handlers.store.get_repo_settings(repo).await? {
                Some(stored) => handlers.repo_settings.parsed(repo, &stored.text),
                None => Arc::new(RepoSettings::default()),
            };
            Ok(SettingsUpdate::Broken { errors, kept })
        }
    }
}

/// One post-mortem's part of a document: the whole document, or one incident of a page that
/// holds several.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub incident: Option<String>,
    pub title: String,
    pub follow_ups: Vec<FollowUp>,
}

/// Pure: splits a parsed document into its post-mortems. Items before the first incident heading
/// stay with the document itself.
pub fn parts(parsed: &PostMortem, fallback_title: &str) -> Vec<Part> {
    let title = parsed
        .title
        .clone()
        .unwrap_or_else(|| fallback_title.to_string());
    if parsed.incidents.is_empty() {
        return vec![Part {
            incident: None,
            title,
            follow_ups: parsed.follow_ups.clone(),
        }];
    }
    let mut parts: Vec<Part> = Vec::new();
    let loose: Vec<FollowUp> = parsed
        .follow_ups
        .iter()
        .filter(|f| f.incident.is_none())
        .cloned()
        .collect();
    if !loose.is_empty() {
        parts.push(Part {
            incident: None,
            title,
            follow_ups: loose,
        });
    }
    for incident in &parsed.incidents {
        let follow_ups: Vec<FollowUp> = parsed
            .follow_ups
            .iter()
            .filter(|f| f.incident.as_deref() == Some(incident.as_str()))
            .cloned()
            .collect();
        parts.push(Part {
            incident: Some(incident.clone()),
            title: incident.clone(),
            follow_ups,
        });
    }
    parts
}

/// The store's source string of one part.
pub fn part_source(source: &Source, incident: Option<&str>) -> String {
    match incident {
        Some(incident) => format!("{source}@{incident}"),
        None => source.to_string(),
    }
}

/// A document read from a file or a wiki page, ready for the pipeline.
pub struct Document<'a> {
    pub installation: InstallationId,
    pub repo: &'a RepoName,
    pub source: Source,
    pub place: Place,
    pub text: &'a str,
    pub fallback_title: &'a str,
    pub author: Option<String>,
    pub since: DateTime<Utc>,
    pub settings: &'a RepoSettings,
    /// `/postmortem PATH|WIKI-URL` names the tracking issue; otherwise the bot opens one.
    pub tracking_issue: Option<IssueNumber>,
}

/// What the pipeline did for one part.
#[derive(Debug)]
pub struct PartOutcome {
    pub title: String,
    pub tracking_issue: IssueNumber,
    pub summary: Summary,
}

/// Parses the document and brings each of its post-mortems in step. A part with no follow-ups
/// and no tracking issue yet opens nothing.
pub async fn sync_document(
    handlers: &Handlers,
    client: &InstallationClient,
    doc: Document<'_>,
) -> anyhow::Result<Vec<PartOutcome>> {
    let parsed = postmortem::parse(doc.text);
    let parts = parts(&parsed, doc.fallback_title);
    let single = parts.len() == 1;
    let mut outcomes = Vec::new();
    for part in parts {
        let source = part_source(&doc.source, part.incident.as_deref());
        let explicit = doc.tracking_issue.filter(|_| single);
        let known = handlers.store.get_postmortem(&source).await?;
        let known_issue = known.as_ref().and_then(|p| p.tracking_issue);
        if part.follow_ups.is_empty() && explicit.is_none() && known_issue.is_none() {
            continue;
        }
        let tracking_issue = match explicit.or(known_issue) {
            Some(issue) => issue,
            None => {
                open_tracking_issue(handlers, client, &doc, &part, &source, known.is_some()).await?
            }
        };
        // Only an issue the App opened and titled follows the document's title.
        let retitle = known
            .as_ref()
            .filter(|_| explicit.is_none())
            .map(|known| Retitle {
                from: render_sources::tracking_issue_title(&known.title),
                to: render_sources::tracking_issue_title(&part.title),
            });
        let source_document = |tracking_issue| SourceDocument {
            installation: doc.installation,
            repo: doc.repo,
            source: source.clone(),
            title: part.title.clone(),
            tracking_issue,
            author: doc.author.clone(),
            origin_link: doc.place.link.clone(),
            follow_ups: &part.follow_ups,
            since: doc.since,
            settings: doc.settings,
            retitle: retitle.clone(),
        };
        let (tracking_issue, outcome) =
            match sync_source(handlers, client, source_document(tracking_issue)).await {
                // The bot's own tracking issue was deleted: open another rather than fail on
                // every push. An issue a person chose (`/postmortem PATH`) is not replaced.
                Err(error)
                    if explicit.is_none()
                        && error.downcast_ref::<TrackingIssueGone>().is_some() =>
                {
                    warn!(%source, "the tracking issue is gone; opening another");
                    let issue =
                        open_tracking_issue(handlers, client, &doc, &part, &source, false).await?;
                    let outcome = sync_source(handlers, client, source_document(issue)).await;
                    (issue, outcome)
                }
                other => (tracking_issue, other),
            };
        let outcome = outcome.with_context(|| format!("syncing {source}"))?;
        outcomes.push(PartOutcome {
            title: part.title,
            tracking_issue,
            summary: outcome.summary,
        });
    }
    Ok(outcomes)
}

/// Opens the issue that tracks one part. The intent is recorded first; a retry (the row exists
/// without an issue) looks for the issue's marker before opening another.
async fn open_tracking_issue(
    handlers: &Handlers,
    client: &InstallationClient,
    doc: &Document<'_>,
    part: &Part,
    source: &str,
    retrying: bool,
) -> anyhow::Result<IssueNumber> {
    handlers
        .store
        .upsert_postmortem(
            &NewPostMortem {
                installation_id: doc.installation,
                repo: doc.repo.clone(),
                source: source.to_string(),
                title: part.title.clone(),
                tracking_issue: None,
                author: doc.author.clone(),
            },
            Utc::now(),
        )
        .await?;
    if retrying
        && let Some(found) = find_bot_issue(handlers, client, doc.repo, |body| {
            render_sources::has_tracking_marker(body, source)
        })
        .await?
    {
        return Ok(found);
    }
    handlers.labels.ensure(client, doc.repo).await?;
    let body = render_sources::tracking_issue_body(&doc.place, part.incident.as_deref(), source);
    let issue = client
        .create_issue(
            doc.repo,
            &NewIssue {
                title: render_sources::tracking_issue_title(&part.title),
                body: render::with_tracking_section(
                    &body,
                    &render::tracking_section_with_hint(&[], render_sources::HINT_FOLLOWED),
                ),
                labels: vec![render::LABEL_POSTMORTEM.to_string()],
                assignees: Vec::new(),
            },
        )
        .await
        .context("opening a tracking issue")?;
    info!(repo = %doc.repo, %source, issue = %issue.number, "opened a tracking issue");
    Ok(issue.number)
}

/// The first issue the bot opened in `repo` whose body satisfies `wanted`.
pub async fn find_bot_issue(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    wanted: impl Fn(&str) -> bool,
) -> anyhow::Result<Option<IssueNumber>> {
    let app = handlers.github.app_info().await?;
    let issues = client
        .list_issues_created_by(repo, &app.bot_login())
        .await
        .context("looking for issues opened before")?;
    Ok(issues
        .iter()
        .filter(|i| !i.is_pull_request)
        .find(|i| i.body.as_deref().is_some_and(&wanted))
        .map(|i| i.number))
}

/// Links for people: the file on the default branch, the wiki page.
pub fn file_place(handlers: &Handlers, repo: &RepoName, branch: &str, path: &str) -> Place {
    Place {
        kind: "file",
        name: path.to_string(),
        link: format!(
            "{}/{repo}/blob/{}/{}",
            handlers.settings.github_url.as_str().trim_end_matches('/'),
            url_path(branch),
            url_path(path)
        ),
    }
}

pub fn wiki_place(handlers: &Handlers, repo: &RepoName, page_name: &str, title: &str) -> Place {
    Place {
        kind: "wiki page",
        name: title.to_string(),
        link: format!(
            "{}/{repo}/wiki/{}",
            handlers.settings.github_url.as_str().trim_end_matches('/'),
            url_path(page_name)
        ),
    }
}

fn url_path(path: &str) -> String {
    path.split('/')
        .map(|part| {
            url::form_urlencoded::byte_serialize(part.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The page name of a wiki URL of `repo` (`…/OWNER/REPO/wiki/Page-Name`).
pub fn wiki_page_from_url(url: &str, repo: &RepoName) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let segments: Vec<String> = parsed
        .path_segments()?
        .map(|s| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    match segments.as_slice() {
        [owner, name, wiki, page]
            if wiki == "wiki"
                && owner.eq_ignore_ascii_case(repo.owner())
                && name.eq_ignore_ascii_case(repo.name())
                && !page.is_empty() =>
        {
            Some(page.clone())
        }
        _ => None,
    }
}

/// A post-mortem found in a repository.
pub struct Candidate {
    pub source: Source,
    pub place: Place,
    pub text: String,
    /// The file name or page title, when the document has no title of its own.
    pub fallback_title: String,
}

/// Finds every post-mortem of the repository: files matching `paths` on the default branch, and
/// wiki pages whose titles match. Bounded work.
pub async fn scan(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    settings: &RepoSettings,
) -> anyhow::Result<Vec<Candidate>> {
    let info = client
        .get_repo(repo)
        .await
        .context("reading the repository")?;
    let branch = info.default_branch;
    let mut found = Vec::new();
    for path in find_files(client, repo, &branch, settings).await? {
        let Some(bytes) = client.get_file(repo, &path, &branch).await? else {
            continue;
        };
        let Some(text) = document_text(&path, &bytes) else {
            continue;
        };
        found.push(Candidate {
            source: Source::File {
                repo: repo.clone(),
                path: path.clone(),
            },
            place: file_place(handlers, repo, &branch, &path),
            fallback_title: file_title(&path),
            text,
        });
    }
    if info.has_wiki && settings.wiki.enabled {
        let token = client.token().await?;
        match handlers.wikis.update(repo, &token).await {
            Ok(wiki) => {
                for page in wiki.pages("HEAD").await? {
                    if !(settings.matches_wiki_page(&page.title)
                        || settings.matches_wiki_page(&page.page_name))
                    {
                        continue;
                    }
                    let Some(text) = wiki.read_page("HEAD", &page.page_name).await? else {
                        continue;
                    };
                    found.push(Candidate {
                        source: Source::Wiki {
                            repo: repo.clone(),
                            page: page.page_name.clone(),
                        },
                        place: wiki_place(handlers, repo, &page.page_name, &page.title),
                        fallback_title: page.title,
                        text,
                    });
                }
            }
            Err(WikiError::Missing) => {}
            Err(WikiError::Other(error)) => return Err(error.context("reading the wiki")),
        }
    }
    Ok(found)
}

/// A title from a file name: `2024-05-01-db-outage.md` → `2024-05-01-db-outage`.
pub fn file_title(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.')
        .map_or(file, |(stem, _)| stem)
        .to_string()
}

/// The directories a glob can match under: its segments before the first wildcard.
fn glob_root(glob: &str) -> String {
    glob.split('/')
        .take_while(|part| !part.contains(['*', '?']))
        .collect::<Vec<_>>()
        .join("/")
}

/// Paths matching `paths`, walking only the directories the globs can reach.
async fn find_files(
    client: &InstallationClient,
    repo: &RepoName,
    branch: &str,
    settings: &RepoSettings,
) -> anyhow::Result<Vec<String>> {
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for glob in &settings.paths {
        let root = glob_root(glob);
        // A glob naming one file: its parent directory holds it.
        let root = if root == *glob {
            root.rsplit_once('/')
                .map_or(String::new(), |(dir, _)| dir.to_string())
        } else {
            root
        };
        roots.insert(root);
    }
    let mut pending: Vec<String> = roots.into_iter().collect();
    let mut visited = BTreeSet::new();
    let mut files = BTreeSet::new();
    while let Some(dir) = pending.pop() {
        if visited.len() >= MAX_SCAN_DIRECTORIES || files.len() >= MAX_SCAN_FILES {
            warn!(%repo, "stopped scanning: too many directories or files");
            break;
        }
        if !visited.insert(dir.clone()) {
            continue;
        }
        let Some(entries) = client.list_directory(repo, &dir, branch).await? else {
            continue;
        };
        for entry in entries {
            if entry.is_dir {
                // Only directories some glob could still match below.
                let reachable = settings.paths.iter().any(|glob| {
                    let root = glob_root(glob);
                    entry.path.starts_with(&root)
                        && (glob.contains("**")
                            || entry.path.split('/').count() < glob.split('/').count())
                });
                if reachable {
                    pending.push(entry.path);
                }
            } else if settings.matches_path(&entry.path) {
                files.insert(entry.path);
            }
        }
    }
    Ok(files.into_iter().take(MAX_SCAN_FILES).collect())
}

/// Brings every post-mortem of the repository in step (`/postmortem sync`).
pub async fn sync_all(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    author: Option<String>,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<PartOutcome>> {
    let settings = repo_settings(handlers, client, repo).await?;
    let mut outcomes = Vec::new();
    for candidate in scan(handlers, client, repo, &settings).await? {
        let parts = sync_document(
            handlers,
            client,
            Document {
                installation: client.installation_id(),
                repo,
                source: candidate.source,
                place: candidate.place,
                text: &candidate.text,
                fallback_title: &candidate.fallback_title,
                author: author.clone(),
                since,
                settings: &settings,
                tracking_issue: None,
            },
        )
        .await?;
        outcomes.extend(parts);
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, incident: Option<&str>) -> FollowUp {
        FollowUp {
            title: title.into(),
            incident: incident.map(Into::into),
            ..FollowUp::default()
        }
    }

    #[test]
    fn a_page_with_several_incidents_is_one_part_each() {
        let single = PostMortem {
            title: Some("DB outage".into()),
            follow_ups: vec![item("a", None)],
            ..PostMortem::default()
        };
        let parts_of_single = parts(&single, "file");
        assert_eq!(parts_of_single.len(), 1);
        assert_eq!(parts_of_single[0].title, "DB outage");

        let page = PostMortem {
            title: None,
            incidents: vec!["2024-05-01 outage".into(), "2024-06-02 incident".into()],
            follow_ups: vec![
                item("loose", None),
                item("first", Some("2024-05-01 outage")),
                item("second", Some("2024-06-02 incident")),
                item("third", Some("2024-06-02 incident")),
            ],
            ..PostMortem::default()
        };
        let split = parts(&page, "Incidents");
        let shape: Vec<(Option<&str>, &str, usize)> = split
            .iter()
            .map(|p| (p.incident.as_deref(), p.title.as_str(), p.follow_ups.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (None, "Incidents", 1),
                (Some("2024-05-01 outage"), "2024-05-01 outage", 1),
                (Some("2024-06-02 incident"), "2024-06-02 incident", 2),
            ]
        );
        let source = Source::Wiki {
            repo: RepoName::new("o", "r"),
            page: "Incidents".into(),
        };
        assert_eq!(
            part_source(&source, Some("2024-05-01 outage")),
            "wiki:o/r:Incidents@2024-05-01 outage"
        );
    }

    #[test]
    fn wiki_urls_and_globs() {
        let repo = RepoName::new("octo", "app");
        assert_eq!(
            wiki_page_from_url("https://github.com/octo/app/wiki/Incident-2024", &repo).as_deref(),
            Some("Incident-2024")
        );
        assert_eq!(
            wiki_page_from_url("https://github.com/octo/app/wiki/DB%20outage", &repo).as_deref(),
            Some("DB outage")
        );
        assert_eq!(
            wiki_page_from_url("https://github.com/other/app/wiki/X", &repo),
            None
        );
        assert_eq!(
            wiki_page_from_url("https://github.com/octo/app/wiki", &repo),
            None
        );
        assert_eq!(glob_root("postmortems/**/*.md"), "postmortems");
        assert_eq!(glob_root("docs/postmortems/*.md"), "docs/postmortems");
        assert_eq!(glob_root("**/*.md"), "");
        assert_eq!(file_title("postmortems/2024-db.md"), "2024-db");
        assert_eq!(url_path("post mortems/a+b.md"), "post%20mortems/a%2Bb.md");
    }
}
