//! A JSON description of a starting world, for manual trials (`fake-github --seed FILE.json`).

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::config::ManifestConversion;
use super::handle::FakeGitHub;
use crate::ids::{InstallationId, RepoName};

/// ```json
/// {
///   "installations": [{ "id": 1, "account": "octo-org", "repos": ["octo-org/app"] }],
///   "permissions": [{ "repo": "octo-org/app", "login": "alice", "permission": "write" }],
///   "issues": [{ "repo": "octo-org/app", "author": "alice", "title": "Outage", "body": "..." }],
///   "manifest_codes": [{ "code": "abc", "conversion": { "id": 7, "slug": "pm", "name": "pm",
///       "owner": "octo-org", "pem": "...", "webhook_secret": "s", "client_id": "c",
///       "client_secret": "cs" } }],
///   "files": [{ "repo": "octo-org/app", "path": "postmortems/a.md", "content": "..." }],
///   "wiki_pages": [{ "repo": "octo-org/app", "page": "Incident-2024-05", "content": "..." }]
/// }
/// ```
/// Unknown keys are errors, so a typo does not silently seed less than meant.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Seed {
    pub installations: Vec<SeedInstallation>,
    pub permissions: Vec<SeedPermission>,
    pub issues: Vec<SeedIssue>,
    pub manifest_codes: Vec<SeedManifestCode>,
    pub files: Vec<SeedFile>,
    pub wiki_pages: Vec<SeedWikiPage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInstallation {
    pub id: u64,
    pub account: String,
    #[serde(default)]
    pub repos: Vec<RepoName>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPermission {
    pub repo: RepoName,
    pub login: String,
    pub permission: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedIssue {
    pub repo: RepoName,
    pub author: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedManifestCode {
    pub code: String,
    pub conversion: ManifestConversion,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub repo: RepoName,
    /// Defaults to the repository's default branch.
    #[serde(default)]
    pub branch: Option<String>,
    pub path: String,
    pub content: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWikiPage {
    pub repo: RepoName,
    pub page: String,
    pub content: String,
}

impl Seed {
    pub fn from_file(path: &Path) -> anyhow::Result<Seed> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the seed file {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("parsing the seed file {}", path.display()))
    }
}

impl FakeGitHub {
    /// Adds everything the seed describes to the fake's world.
    pub fn seed(&self, seed: &Seed) -> anyhow::Result<()> {
        for installation in &seed.installations {
            let id = InstallationId(installation.id);
            self.add_installation(id, &installation.account);
            for repo in &installation.repos {
                self.add_repo(id, repo);
            }
        }
        for p in &seed.permissions {
            self.set_permission(&p.repo, &p.login, &p.permission);
        }
        for issue in &seed.issues {
            self.add_issue(&issue.repo, &issue.author, &issue.title, &issue.body);
        }
        for m in &seed.manifest_codes {
            self.register_manifest_code(&m.code, m.conversion.clone());
        }
        for file in &seed.files {
            let branch = match &file.branch {
                Some(branch) => branch.clone(),
                None => self
                    .default_branch(&file.repo)
                    .unwrap_or_else(|| "main".to_string()),
            };
            self.push(
                &file.repo,
                &branch,
                &[(file.path.as_str(), Some(file.content.as_str()))],
                "Seed",
            );
        }
        for page in &seed.wiki_pages {
            self.write_wiki_page(&page.repo, &page.page, &page.content)
                .with_context(|| format!("seeding wiki page {} of {}", page.page, page.repo))?;
        }
        Ok(())
    }
}
