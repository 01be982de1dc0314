//! The test-facing side of repository contents, commit comments, sub-issues and wikis.

use chrono::Utc;

use super::handle::FakeGitHub;
use super::state::FakeCommitComment;
use super::wiki;
use crate::ids::{IssueNumber, RepoName};

impl FakeGitHub {
    /// Commits `changes` (path → new text, `None` deletes the file) on `branch` as the
    /// repository's owner; creates the repository and branch as needed. Returns the new sha.
    pub fn push(
        &self,
        repo: &RepoName,
        branch: &str,
        changes: &[(&str, Option<&str>)],
        message: &str,
    ) -> String {
        self.push_as(repo, branch, repo.owner(), changes, message)
    }

    /// [`FakeGitHub::push`] with a chosen author login.
    pub fn push_as(
        &self,
        repo: &RepoName,
        branch: &str,
        author: &str,
        changes: &[(&str, Option<&str>)],
        message: &str,
    ) -> String {
        let changes: Vec<(String, Option<Vec<u8>>)> = changes
            .iter()
            .map(|(path, content)| {
                (
                    path.trim_matches('/').to_string(),
                    content.map(|c| c.as_bytes().to_vec()),
                )
            })
            .collect();
        self.with_state(|s| {
            let now = Utc::now();
            s.add_repo(repo, now)
                .commit_changes(branch, &changes, message, author, now)
        })
    }

    pub fn default_branch(&self, repo: &RepoName) -> Option<String> {
        self.read(|s| Some(s.repos.get(repo)?.default_branch.clone()))
    }

    /// The sha `branch` points at.
    pub fn head(&self, repo: &RepoName, branch: &str) -> Option<String> {
        self.read(|s| s.repos.get(repo)?.branches.get(branch).cloned())
    }

    /// A file's text at a ref (branch or sha).
    pub fn file(&self, repo: &RepoName, git_ref: &str, path: &str) -> Option<String> {
        self.read(|s| {
            let bytes = s.repos.get(repo)?.resolve(git_ref)?.tree.get(path)?.clone();
            String::from_utf8(bytes).ok()
        })
    }

    /// Comments made on the repository's commits, oldest first.
    pub fn commit_comments(&self, repo: &RepoName) -> Vec<FakeCommitComment> {
        self.read(|s| {
            s.repos
                .get(repo)
                .map(|r| r.commit_comments.clone())
                .unwrap_or_default()
        })
    }

    /// The issue's sub-issues, in order, as (repository, number).
    pub fn sub_issues(&self, repo: &RepoName, number: IssueNumber) -> Vec<(RepoName, IssueNumber)> {
        self.read(|s| {
            let Some(issue) = s.repos.get(repo).and_then(|r| r.issue(number.0)) else {
                return Vec::new();
            };
            issue
                .sub_issues
                .iter()
                .filter_map(|id| s.find_issue_by_id(*id))
                .map(|(r, n)| (r, IssueNumber(n)))
                .collect()
        })
    }

    /// Writes a wiki page (`Page Name` is kept as `Page-Name.md`) as one commit on the wiki's
    /// master branch, creating the wiki repository when needed. Returns the commit sha.
    pub fn write_wiki_page(
        &self,
        repo: &RepoName,
        page: &str,
        markdown: &str,
    ) -> anyhow::Result<String> {
        self.change_wiki(repo, page, Some(markdown))
    }

    /// Deletes a wiki page; returns the commit sha.
    pub fn delete_wiki_page(&self, repo: &RepoName, page: &str) -> anyhow::Result<String> {
        self.change_wiki(repo, page, None)
    }

    fn change_wiki(
        &self,
        repo: &RepoName,
        page: &str,
        markdown: Option<&str>,
    ) -> anyhow::Result<String> {
        let dir = wiki::wiki_dir(&self.ctx.root, repo);
        // Under the state lock, so two writers never share the wiki's scratch index.
        self.with_state(|s| {
            let sha = wiki::write_page(&dir, page, markdown.map(str::as_bytes))?;
            s.add_repo(repo, Utc::now()).wiki = Some(dir.clone());
            Ok(sha)
        })
    }

    /// What a client clones: `{git_url}/{owner}/{repo}.wiki.git`.
    pub fn wiki_clone_url(&self, repo: &RepoName) -> String {
        format!(
            "{}/{}/{}.wiki.git",
            self.git_url(),
            repo.owner(),
            repo.name()
        )
    }
}
