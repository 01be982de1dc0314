//! Wikis as bare git repositories on disk: tests write pages with git plumbing, clients read
//! them over smart HTTP through `git http-backend` run as a CGI program.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::ids::RepoName;

/// The branch GitHub wikis use.
const WIKI_BRANCH: &str = "refs/heads/master";

/// Where the wikis live below the fake's private directory; `git http-backend`'s project root.
pub(crate) fn wikis_root(root: &Path) -> PathBuf {
    root.join("wikis")
}

pub(crate) fn wiki_dir(root: &Path, repo: &RepoName) -> PathBuf {
    wikis_root(root)
        .join(repo.owner())
        .join(format!("{}.wiki.git", repo.name()))
}

/// The file a page is kept in: GitHub turns spaces into dashes and adds `.md`.
pub(crate) fn page_file(page: &str) -> String {
    let name = page.trim().replace(' ', "-");
    if name.ends_with(".md") || name.ends_with(".markdown") {
        name
    } else {
        format!("{name}.md")
    }
}

/// Runs git on the bare repository at `dir` with its own index and no user configuration.
fn git(dir: &Path, index: &Path, args: &[&str], stdin: Option<&[u8]>) -> anyhow::Result<String> {
    let mut command = Command::new("git");
    command
        .args(args)
        .env("GIT_DIR", dir)
        .env("GIT_INDEX_FILE", index)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Wiki Editor")
        .env("GIT_AUTHOR_EMAIL", "wiki@example.com")
        .env("GIT_COMMITTER_NAME", "Wiki Editor")
        .env("GIT_COMMITTER_EMAIL", "wiki@example.com")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .with_context(|| format!("running git {}", args.join(" ")))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(input).context("writing to git")?;
    }
    let output = child.wait_with_output().context("waiting for git")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Writes (`Some`) or deletes (`None`) one page in the wiki at `dir`, creating the repository
/// when needed, as one commit on master. Returns the commit sha.
pub(crate) fn write_page(dir: &Path, page: &str, content: Option<&[u8]>) -> anyhow::Result<String> {
    if !dir.join("HEAD").exists() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let index = dir.join("fake-index");
        git(dir, &index, &["init", "--bare", "--quiet"], None)?;
        git(dir, &index, &["symbolic-ref", "HEAD", WIKI_BRANCH], None)?;
    }
    let index = dir.join("fake-index");
    let parent = git(
        dir,
        &index,
        &["rev-parse", "--verify", "--quiet", WIKI_BRANCH],
        None,
    )
    .ok();
    match &parent {
        Some(parent) => git(dir, &index, &["read-tree", parent], None)?,
        None => git(dir, &index, &["read-tree", "--empty"], None)?,
    };
    let file = page_file(page);
    let message = match content {
        Some(bytes) => {
            let blob = git(dir, &index, &["hash-object", "-w", "--stdin"], Some(bytes))?;
            git(
                dir,
                &index,
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{blob},{file}"),
                ],
                None,
            )?;
            format!("Updated {page} (markdown)")
        }
        None => {
            git(
                dir,
                &index,
                &["update-index", "--force-remove", &file],
                None,
            )?;
            format!("Destroyed {page} (markdown)")
        }
    };
    let tree = git(dir, &index, &["write-tree"], None)?;
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
    if let Some(parent) = &parent {
        args.extend(["-p", parent.as_str()]);
    }
    let commit = git(dir, &index, &args, None)?;
    git(dir, &index, &["update-ref", WIKI_BRANCH, &commit], None)?;
    Ok(commit)
}

/// One smart-HTTP request, in CGI terms.
pub(crate) struct CgiRequest {
    pub method: String,
    /// `/{owner}/{repo}.wiki.git/...` below the wikis root.
    pub path_info: String,
    pub query: String,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub git_protocol: Option<String>,
    pub body: Bytes,
}

/// Runs `git http-backend` for the request and turns its CGI answer into a response.
pub(crate) async fn http_backend(root: &Path, request: CgiRequest) -> anyhow::Result<Response> {
    let mut command = tokio::process::Command::new("git");
    command
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", wikis_root(root))
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", &request.path_info)
        .env("QUERY_STRING", &request.query)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .env("REMOTE_USER", "x-access-token")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(value) = &request.content_type {
        command.env("CONTENT_TYPE", value);
    }
    if let Some(value) = &request.content_encoding {
        command.env("HTTP_CONTENT_ENCODING", value);
    }
    if let Some(value) = &request.git_protocol {
        command.env("GIT_PROTOCOL", value);
    }
    let mut child = command.spawn().context("starting git http-backend")?;
    let stdin = child.stdin.take();
    let body = request.body.clone();
    // Feed the request while the answer is read, so neither pipe can fill up and stall.
    let feeder = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&body).await;
        }
    });
    let output = child
        .wait_with_output()
        .await
        .context("running git http-backend")?;
    let _ = feeder.await;
    parse_cgi(&output.stdout).with_context(|| {
        format!(
            "reading git http-backend's answer: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

fn parse_cgi(output: &[u8]) -> anyhow::Result<Response> {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
        .context("no end of headers")?;
    let (head, body) = (&output[..split.0], &output[split.0 + split.1..]);
    let mut builder = Response::builder().status(StatusCode::OK);
    for line in String::from_utf8_lossy(head).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code: u16 = value
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(500);
            builder = builder.status(code);
        } else {
            builder = builder.header(name.trim(), value);
        }
    }
    builder
        .body(Body::from(body.to_vec()))
        .context("building the response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_become_markdown_files() {
        assert_eq!(page_file("Incident 2024-05"), "Incident-2024-05.md");
        assert_eq!(page_file("Home"), "Home.md");
        assert_eq!(page_file("Notes.md"), "Notes.md");
    }

    #[test]
    fn cgi_answers_keep_status_headers_and_body() {
        let response =
            parse_cgi(b"Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope").unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()["content-type"], "text/plain");
        let ok = parse_cgi(b"Content-Type: application/x-git-upload-pack-advertisement\n\n001e")
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
}
