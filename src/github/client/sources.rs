//! Calls for post-mortems kept as files: directory listings, changed files, sub-issues.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::{InstallationClient, RAW, ok_or_error};
use crate::github::api_wire::ApiContent;
use crate::github::error::GitHubError;
use crate::github::paths;
use crate::github::transport::{Call, Replay};
use crate::ids::{IssueNumber, RepoName};

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// From the repository root.
    pub path: String,
    pub is_dir: bool,
}

/// One file a comparison touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    pub path: String,
    /// `added`, `modified`, `removed`, `renamed`, ...
    pub status: String,
    pub previous_path: Option<String>,
}

#[derive(Deserialize)]
struct ApiEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct ApiCompare {
    #[serde(default)]
    files: Vec<ApiFile>,
}

#[derive(Deserialize)]
struct ApiFile {
    filename: String,
    status: String,
    previous_filename: Option<String>,
}

#[derive(Deserialize)]
struct ApiIssueId {
    id: u64,
}

impl InstallationClient {
    /// A file's bytes on the default branch (no `ref`: one call, no need to know the branch);
    /// `None` when there is no file there.
    pub async fn get_file_on_default_branch(
        &self,
        repo: &RepoName,
        path: &str,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let url = paths::repo(repo, &format!("/contents/{}", paths::file_path(path)));
        let answer = self.send(Call::get(url.clone())).await?;
        if answer.status == http::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if answer.is_success() && answer.body.first() == Some(&b'[') {
            return Ok(None);
        }
        let content: ApiContent = answer.success_json()?;
        if content.kind != "file" {
            return Ok(None);
        }
        if content.encoding.as_deref() == Some("base64") {
            let packed: Vec<u8> = content
                .content
                .unwrap_or_default()
                .bytes()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            return base64::engine::general_purpose::STANDARD
                .decode(packed)
                .map(Some)
                .map_err(|e| GitHubError::Decode(format!("contents of {path}: {e}")));
        }
        // Files over 1 MB come without content; the raw media type serves them whole.
        let raw = self.send(Call::get(url).with_accept(RAW)).await?;
        if !raw.is_success() {
            return Err(raw.into_error());
        }
        Ok(Some(raw.body.to_vec()))
    }

    /// The entries of a directory at `git_ref`; `None` when there is no directory there.
    pub async fn list_directory(
        &self,
        repo: &RepoName,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<Vec<DirEntry>>, GitHubError> {
        let url = paths::with_query(
            &paths::repo(repo, &format!("/contents/{}", paths::file_path(path))),
            &[("ref", git_ref)],
        );
        let answer = self.send(Call::get(url)).await?;
        if answer.status == http::StatusCode::NOT_FOUND || answer.body.first() != Some(&b'[') {
            return match answer.is_success() || answer.status == http::StatusCode::NOT_FOUND {
                true => Ok(None),
                false => Err(answer.into_error()),
            };
        }
        let entries: Vec<ApiEntry> = answer.success_json()?;
        Ok(Some(
            entries
                .into_iter()
                .filter(|e| e.kind == "file" || e.kind == "dir")
                .map(|e| DirEntry {
                    is_dir: e.kind == "dir",
                    path: e.path,
                })
                .collect(),
        ))
    }

    /// The files changed between two commits (GitHub lists at most 300).
    pub async fn compare_files(
        &self,
        repo: &RepoName,
        base: &str,
        head: &str,
    ) -> Result<Vec<ChangedFile>, GitHubError> {
        let basehead = format!("{base}...{head}");
        let url = paths::repo(repo, &format!("/compare/{}", paths::segment(&basehead)));
        let compare: ApiCompare = self.send(Call::get(url)).await?.success_json()?;
        Ok(compare
            .files
            .into_iter()
            .map(|f| ChangedFile {
                path: f.filename,
                status: f.status,
                previous_path: f.previous_filename,
            })
            .collect())
    }

    /// Links `child` as a sub-issue of `parent` (both in `repo`). The API wants the child's id,
    /// which costs one read.
    pub async fn add_sub_issue(
        &self,
        repo: &RepoName,
        parent: IssueNumber,
        child: IssueNumber,
    ) -> Result<(), GitHubError> {
        let child_id: ApiIssueId = self
            .send(Call::get(paths::repo(repo, &format!("/issues/{child}"))))
            .await?
            .success_json()?;
        let url = paths::repo(repo, &format!("/issues/{parent}/sub_issues"));
        // Linking twice answers 422, so a repeat cannot double anything.
        let answer = self
            .send(Call::post(
                url,
                json!({ "sub_issue_id": child_id.id }),
                Replay::Safe,
            ))
            .await?;
        if answer.status == http::StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(());
        }
        ok_or_error(answer)
    }
}
