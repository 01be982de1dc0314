//! The cached wiki clones: one bare clone per wiki, cloned once, then fetched; pages read at a
//! commit. Git runs as a child process; the installation token reaches it through the
//! environment (an `http.extraHeader` set by `GIT_CONFIG_*`), never through its arguments.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use secrecy::{ExposeSecret as _, SecretString};
use tokio::process::Command;
use tracing::debug;
use url::Url;

use crate::ids::RepoName;

/// A clone or fetch that takes longer is stuck (the job retries later).
const GIT_TIMEOUT: Duration = Duration::from_secs(120);

/// Pages larger than this are not read (a hostile page must stay cheap, and cutting one short
/// would look like removed items).
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Listings and other output past this are refused rather than read in part.
const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// Wiki page files git keeps as Markdown.
const MARKDOWN_EXTENSIONS: [&str; 3] = ["md", "markdown", "mdown"];

/// Why a wiki could not be read. `Missing` is normal: GitHub reports `has_wiki` for repositories
/// whose wiki has no page yet, and such a wiki has no git repository.
#[derive(Debug, thiserror::Error)]
pub enum WikiError {
    #[error("the wiki has no git repository (no page yet?)")]
    Missing,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// One wiki page file in a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    /// `Incident-2024-05-01`, as in the page's URL.
    pub page_name: String,
    /// As the wiki shows it: dashes read as spaces.
    pub title: String,
    /// The file in the wiki repository.
    pub path: String,
}

/// The wiki clones of one process, under `root`.
#[derive(Debug)]
pub struct WikiCache {
    root: PathBuf,
    git_url: Url,
    /// One git operation per wiki at a time (clone, fetch and reads share the directory).
    locks: Mutex<HashMap<RepoName, Arc<tokio::sync::Mutex<()>>>>,
}

/// A wiki clone brought up to date, held for reading.
pub struct WikiClone {
    dir: PathBuf,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WikiCache {
    pub fn new(root: PathBuf, git_url: Url) -> Self {
        Self {
            root,
            git_url,
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// `GITHUB_GIT_URL/OWNER/REPO.wiki.git`.
    pub fn clone_url(&self, repo: &RepoName) -> String {
        format!(
            "{}/{}/{}.wiki.git",
            self.git_url.as_str().trim_end_matches('/'),
            repo.owner(),
            repo.name()
        )
    }

    fn dir_for(&self, repo: &RepoName) -> PathBuf {
        self.root
            .join(safe_name(repo.owner()))
            .join(format!("{}.wiki.git", safe_name(repo.name())))
    }

    fn lock_for(&self, repo: &RepoName) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(repo.clone()).or_default().clone()
    }

    /// Deletes the wiki's clone (the App was uninstalled: its data goes).
    pub async fn forget(&self, repo: &RepoName) -> anyhow::Result<()> {
        let _turn = self.lock_for(repo).lock_owned().await;
        let dir = self.dir_for(repo);
        match tokio::fs::remove_dir_all(&dir).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(anyhow::Error::new(e).context(format!("removing {}", dir.display())))
            }
            _ => Ok(()),
        }
    }

    /// Clones the wiki the first time, fetches it afterwards; returns it held for reading.
    pub async fn update(
        &self,
        repo: &RepoName,
        token: &SecretString,
    ) -> Result<WikiClone, WikiError> {
        let turn = self.lock_for(repo).lock_owned().await;
        let dir = self.dir_for(repo);
        let url = self.clone_url(repo);
        if dir.join("HEAD").is_file() {
            debug!(%repo, "fetching the wiki");
            run_git(
                Some(&dir),
                &[
                    "fetch",
                    "--quiet",
                    "--prune",
                    "--force",
                    &url,
                    "+refs/heads/*:refs/heads/*",
                ],
                Some(token),
            )
            .await?;
        } else {
            debug!(%repo, "cloning the wiki");
            let parent = dir.parent().context("a wiki directory has a parent")?;
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating {}", parent.display()))?;
            // Clone beside, then rename: a clone cut short never looks like a usable one.
            let partial = parent.join(format!(".partial-{}", uuid::Uuid::new_v4().simple()));
            let partial_arg = partial.to_string_lossy().into_owned();
            let cloned = run_git(
                None,
                &["clone", "--bare", "--quiet", "--", &url, &partial_arg],
                Some(token),
            )
            .await;
            if let Err(error) = cloned {
                let _ = tokio::fs::remove_dir_all(&partial).await;
                return Err(error);
            }
            tokio::fs::rename(&partial, &dir)
                .await
                .with_context(|| format!("moving the clone to {}", dir.display()))?;
        }
        Ok(WikiClone { dir, _turn: turn })
    }
}

impl WikiClone {
    /// Whether `rev` names a commit of the clone.
    pub async fn has_commit(&self, rev: &str) -> bool {
        if check_rev(rev).is_err() {
            return false;
        }
        let spec = format!("{rev}^{{commit}}");
        run_git(Some(&self.dir), &["cat-file", "-e", &spec], None)
            .await
            .is_ok()
    }

    /// The Markdown pages at `rev`.
    pub async fn pages(&self, rev: &str) -> anyhow::Result<Vec<PageFile>> {
        check_rev(rev)?;
        let listing = run_git(
            Some(&self.dir),
            &["ls-tree", "-r", "-z", "--name-only", rev],
            None,
        )
        .await
        .map_err(anyhow::Error::from)?;
        Ok(listing
            .split('\0')
            .filter_map(page_file)
            .collect::<Vec<_>>())
    }

    /// The Markdown of the page named `page_name` at `rev`, if the page exists there.
    pub async fn read_page(&self, rev: &str, page_name: &str) -> anyhow::Result<Option<String>> {
        let pages = self.pages(rev).await?;
        let Some(page) = pages.iter().find(|p| p.page_name == page_name) else {
            return Ok(None);
        };
        let spec = format!("{rev}:{}", page.path);
        let size = run_git(Some(&self.dir), &["cat-file", "-s", &spec], None)
            .await
            .map_err(anyhow::Error::from)?;
        if size
            .trim()
            .parse::<usize>()
            .map_or(true, |n| n > MAX_PAGE_BYTES)
        {
            tracing::warn!(
                page = page_name,
                size = size.trim(),
                "wiki page too large; not read"
            );
            return Ok(None);
        }
        let text = run_git(Some(&self.dir), &["cat-file", "blob", &spec], None)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(Some(text))
    }
}

fn page_file(path: &str) -> Option<PageFile> {
    let file = path.rsplit('/').next()?;
    let (stem, ext) = file.rsplit_once('.')?;
    if stem.is_empty()
        || stem.starts_with('_')
        || !MARKDOWN_EXTENSIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    {
        return None;
    }
    Some(PageFile {
        page_name: stem.to_string(),
        title: stem.replace('-', " "),
        path: path.to_string(),
    })
}

/// A revision from a webhook goes to git as an argument: only hex shas and plain ref names.
fn check_rev(rev: &str) -> anyhow::Result<()> {
    let ok = !rev.is_empty()
        && !rev.starts_with('-')
        && rev
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '.' | '-'));
    anyhow::ensure!(ok, "`{rev}` is not a revision");
    Ok(())
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// Runs git, returning its standard output (lossy UTF-8, bounded). With `token`, git
/// authenticates as `x-access-token` through an extra header passed in its environment.
async fn run_git(
    dir: Option<&Path>,
    args: &[&str],
    token: Option<&SecretString>,
) -> Result<String, WikiError> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("--git-dir").arg(dir);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // Tracing would print the header that carries the token.
        .env_remove("GIT_TRACE")
        .env_remove("GIT_TRACE_CURL")
        .env_remove("GIT_CURL_VERBOSE")
        .env_remove("GIT_TRACE_PACKET");
    if let Some(token) = token {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("x-access-token:{}", token.expose_secret()));
        command
            .env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "http.extraHeader")
            .env(
                "GIT_CONFIG_VALUE_0",
                format!("Authorization: Basic {basic}"),
            );
    }
    // The command is never logged: its environment holds the token.
    let child = command
        .spawn()
        .context("cannot run git (is it installed?)")?;
    let output = tokio::time::timeout(GIT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| anyhow::anyhow!("git {} took longer than {GIT_TIMEOUT:?}", args[0]))?
        .context("waiting for git")?;
    if output.status.success() {
        if output.stdout.len() > MAX_OUTPUT_BYTES {
            return Err(WikiError::Other(anyhow::anyhow!(
                "git {} printed more than {MAX_OUTPUT_BYTES} bytes",
                args[0]
            )));
        }
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let missing = ["not found", "does not appear to be a git repository", "404"]
        .iter()
        .any(|needle| stderr.contains(needle));
    if missing && matches!(args.first(), Some(&"clone") | Some(&"fetch")) {
        return Err(WikiError::Missing);
    }
    let first_line = stderr.lines().next().unwrap_or_default().trim().to_string();
    Err(WikiError::Other(anyhow::anyhow!(
        "git {} failed ({}): {}",
        args[0],
        output.status,
        first_line.chars().take(300).collect::<String>()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_files_are_markdown_pages() {
        let page = page_file("Incident-2024-05-01.md").unwrap();
        assert_eq!(page.page_name, "Incident-2024-05-01");
        assert_eq!(page.title, "Incident 2024 05 01");
        assert!(page_file("_Sidebar.md").is_none());
        assert!(page_file("image.png").is_none());
        assert!(page_file("Home.MARKDOWN").is_some());
    }

    /// Against the fake's wiki over smart HTTP: one clone, then fetches; the token never lands
    /// in the clone's files; a refused token is an error, a missing wiki is `Missing`.
    #[tokio::test]
    async fn clones_once_then_fetches_without_keeping_the_token() {
        use crate::fake_github::{FakeConfig, FakeGitHub};
        use crate::ids::InstallationId;

        let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
        let installation = InstallationId(3);
        let repo = RepoName::new("octo", "wiki-test");
        fake.add_installation(installation, "octo");
        fake.add_repo(installation, &repo);
        let first = fake
            .write_wiki_page(&repo, "Incident One", "# One\n")
            .unwrap();
        let root = tempfile::tempdir().unwrap();
        let cache = WikiCache::new(root.path().to_path_buf(), fake.git_url().parse().unwrap());
        let token = SecretString::from(fake.issue_token(installation));

        let wiki = cache.update(&repo, &token).await.unwrap();
        assert!(wiki.has_commit(&first).await);
        assert!(!wiki.has_commit("--version").await);
        let pages = wiki.pages("HEAD").await.unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].page_name, "Incident-One");
        drop(wiki);

        let second = fake
            .write_wiki_page(&repo, "Incident Two", "# Two\n")
            .unwrap();
        let wiki = cache.update(&repo, &token).await.unwrap();
        assert!(
            wiki.has_commit(&second).await,
            "fetched into the same clone"
        );
        assert_eq!(
            wiki.read_page(&second, "Incident-Two")
                .await
                .unwrap()
                .as_deref(),
            Some("# Two\n")
        );
        assert_eq!(wiki.read_page(&first, "Incident-Two").await.unwrap(), None);
        drop(wiki);
        let clones: Vec<_> = std::fs::read_dir(root.path().join("octo"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(clones, ["wiki-test.wiki.git"]);

        let secret = token.expose_secret().to_string();
        let mut stack = vec![root.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    assert!(!text.contains(&secret), "token in {}", path.display());
                }
            }
        }

        let wrong = SecretString::from("ghs_wrong".to_string());
        let refused = WikiCache::new(
            tempfile::tempdir().unwrap().path().to_path_buf(),
            fake.git_url().parse().unwrap(),
        );
        assert!(matches!(
            refused.update(&repo, &wrong).await,
            Err(WikiError::Other(_))
        ));
        cache.forget(&repo).await.unwrap();
        assert!(!root.path().join("octo/wiki-test.wiki.git").exists());
        cache.forget(&repo).await.unwrap();
        let none = RepoName::new("octo", "no-wiki");
        fake.add_repo(installation, &none);
        assert!(matches!(
            cache.update(&none, &token).await,
            Err(WikiError::Missing)
        ));
    }

    #[test]
    fn revisions_and_names_are_safe() {
        assert!(check_rev("0123abcd").is_ok());
        assert!(check_rev("HEAD").is_ok());
        assert!(check_rev("--upload-pack=x").is_err());
        assert!(check_rev("a b").is_err());
        assert_eq!(safe_name("../evil"), "_evil");
        assert_eq!(safe_name("ok-name.rs"), "ok-name.rs");
    }
}
